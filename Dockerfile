# chanye for the bureau's IT (issue 15): the dashboard from the built wheel, on Debian slim with CJK fonts.
#   docker compose up --build          -> http://localhost:8218/ (database in the volume chanye-data)
# Stage 1 builds the wheel (hatch_build.py copies ECharts, Swagger UI and the district maps into it from npm);
# stage 2 installs only the wheel: no checkout, no node_modules at run time.
FROM python:3.11-slim-bookworm AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY pyproject.toml hatch_build.py README.md ./
COPY src ./src
RUN pip wheel --no-deps --wheel-dir /dist .

FROM python:3.11-slim-bookworm
# fonts-noto-cjk: the Chinese in the PDF report and chart images (chanye report)
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir /tmp/chanye-*.whl && rm /tmp/chanye-*.whl
RUN useradd --create-home chanye && mkdir /data && chown chanye /data
USER chanye
ENV CHANYE_DB=/data/chanye.duckdb
VOLUME /data
EXPOSE 8218
ENTRYPOINT ["chanye"]
# Off 127.0.0.1 the dashboard needs accounts: create the first one with
#   docker compose run --rm chanye users add admin --role admin
CMD ["serve", "--host", "0.0.0.0", "--port", "8218"]

"""批处理 The batch pipeline (issue 14, item 5): the registry's batch steps over Parquet tables, on one machine
(`engine="duckdb"`: DuckDB/Arrow/pandas, the functions the platform itself runs) or on Apache Spark
(`engine="spark"`, `chanye.batch.spark`), with equal results.

Steps (`STEPS`), each reading Parquet tables of an input folder and writing Parquet tables to an output folder
(`chanye.batch.steps` lists the columns):

* ``validate``: raw registry rows (``rows.parquet``: the file's own headers, text cells, ``row_number``) ->
  ``valid`` and ``rejected`` with the import's reasons (`registry.validate.validate_sheet`).
* ``classify``: ``enterprises`` -> ``links`` (framework nodes by the pack's concordance: whole and partial codes
  with keywords, `classify.codes.classify_by_rules`).
* ``chains``: ``enterprises`` -> ``chain_links`` (`classify.chains.link_enterprises`).
* ``indicators``: ``enterprises``, ``figures``, ``tags``, ``links`` -> ``scale`` (the scoreboard's node x area x
  year sums, `analytics.indicators.scale`) and ``structure`` (district shares, HHI, location quotients).
* ``complexity``: ``enterprises``, ``figures`` -> the district x 小类 revenue panel's ``complexity`` (RCA, M,
  density, ECI, PCI, diversity, ubiquity, COI, COG) and ``proximity`` (`analytics.complexity`).

On one machine the row steps stream a batch of rows at a time and DuckDB does what needs every row at once
(repeated USCCs, each firm's first row, the panel's sums), so memory does not grow with the registry.

Run with ``chanye batch --engine spark|duckdb --input DIR --output DIR`` or, on a cluster,
``spark-submit .../chanye/batch/__main__.py`` (docs/scale.md).
"""

# Nothing is imported here: `chanye --help` loads chanye.batch.cli, which must stay light (pandas, Arrow and
# PySpark load when a batch runs).

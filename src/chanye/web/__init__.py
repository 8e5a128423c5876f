"""The dashboard: FastAPI JSON API under /api/v1 and Chinese-first pages with ECharts."""

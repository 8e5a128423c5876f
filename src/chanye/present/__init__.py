"""Presentation: the one label table (zh/en) and typed results turned into frames, JSON, XLSX and terminal
tables."""

"""The registry: enterprise and yearly-figure records keyed by 统一社会信用代码 (USCC), imported from user files
(read -> parse/validate -> store, bad rows to quarantine), stored in DuckDB."""

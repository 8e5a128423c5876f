"""Pure analytics: DataFrames or arrays in, DataFrames or arrays out; no file I/O, no database handle."""

"""Curated standards shipped with chanye: GB/T 4754-2017 国民经济行业分类 (`gbt4754`) and China's
administrative divisions (`regions`). The data lives in `data/` and is rebuilt by `tools/build_data.py`."""

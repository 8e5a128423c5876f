"""spark-submit entry point: ``spark-submit --master yarn chanye/batch/__main__.py --engine spark --input ...``
(or ``python -m chanye.batch``); the options of `chanye batch`."""

from chanye.batch.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()

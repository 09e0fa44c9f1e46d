"""`python -m edualliance.pipeline.cli` is `edualliance` (tests and benchmarks start it this way)."""

from . import main

if __name__ == "__main__":
    main()

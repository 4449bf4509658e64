"""``python -m journeymine``: the command line (see :mod:`journeymine.cli`)."""

from .cli import main

raise SystemExit(main())

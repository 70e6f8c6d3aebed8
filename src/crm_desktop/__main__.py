"""`python -m crm_desktop` starts the desktop app."""

from crm_desktop.app import main

raise SystemExit(main())

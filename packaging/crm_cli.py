"""Entry script for the bundled `crm` command."""

from crm_desktop.cli import main

raise SystemExit(main())

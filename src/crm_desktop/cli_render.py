"""`crm render quote|order|contract|receipt NUMBER OUT.pdf --as USER`: print a document to a file.

The same service as the preview window (`documents.render_document`): the operator needs the
kind's view permission and the record in their data scope, and the print is audited.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from crm_desktop.cli_output import as_option, say
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _


def cmd_render(args: argparse.Namespace) -> int:
    from crm_desktop.cli_customers import _session
    from crm_desktop.core.services import documents

    out = None if args.out == "-" else Path(args.out)
    if out is not None and not out.parent.is_dir():
        raise ValidationError(_("The folder {folder} does not exist.").format(folder=out.parent))
    db, actor = _session(args)
    pdf = documents.render_document(db, actor, args.kind, args.number, revision=args.revision)
    if out is None:
        sys.stdout.buffer.write(pdf)
        sys.stdout.flush()
        return 0
    _write(out, pdf)
    say(_("Wrote {path} ({size} KB).").format(path=out, size=max(1, round(len(pdf) / 1024))))
    return 0


def _write(path: Path, data: bytes) -> None:
    """Write next to the target and rename, so an existing file is never left half written."""
    handle, temporary = tempfile.mkstemp(prefix=".crm-render-", suffix=".pdf", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def register(commands: Any) -> None:
    """Add `crm render` to the `crm` parser."""
    render = commands.add_parser(
        "render", help=_("print a quote, order, contract or receipt to a PDF file")
    )
    render.add_argument("kind", metavar="KIND", help=_("quote, order, contract or receipt"))
    render.add_argument("number", metavar="NUMBER", help=_("the document's number"))
    render.add_argument("out", metavar="OUT.pdf", help=_("the PDF file to write (- for stdout)"))
    render.add_argument(
        "--revision", type=int, metavar="N", help=_("a quote's revision (default: the latest)")
    )
    # `crm render order SO1 out.pdf --as li` reads naturally; the global --as works too.
    as_option(render)
    render.set_defaults(func=cmd_render)

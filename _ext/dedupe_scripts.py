"""Sphinx extension: emit each script of a page once.

sphinx-thebe (pulled in by Jupyter Book 1.0.4) registers its inline configuration
`const THEBE_JS_URL = ...` twice, and the second copy throws "Identifier 'THEBE_JS_URL'
has already been declared" in the browser console of every page.
"""

from __future__ import annotations


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (getattr(script, "filename", None) or "",  # None and "" both mean inline
               tuple(sorted((str(k), str(v))
                            for k, v in getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Page layout and small HTML helpers for the control panel and login pages."""

from __future__ import annotations

import html

CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f4f5f7;color:#1f2430}
header{background:#121826;color:#fff;padding:.7rem 1.5rem;display:flex;gap:1.2rem;align-items:center}
header a{color:#cdd5e0;text-decoration:none}header strong{color:#fff}
main{max-width:1100px;margin:1.5rem auto;padding:0 1rem}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;padding:1rem 1.3rem;margin-bottom:1rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #e6e8ec;vertical-align:top}
th{font-weight:600;color:#556;font-size:.85rem;text-transform:uppercase}
nav.tabs a{margin-right:1rem}a{color:#3451b2}
input,select{padding:.35rem .45rem;border:1px solid #c9cdd6;border-radius:4px;font:inherit}
button{background:#3451b2;color:#fff;border:0;border-radius:4px;padding:.45rem .9rem;font:inherit;cursor:pointer}
button.danger{background:#b23434}button.light{background:#e6e8ec;color:#1f2430}
.muted{color:#778}.error{color:#b23434}.ok{color:#2d7a3a}
.pill{background:#e6e8ec;border-radius:9px;padding:0 .5rem;font-size:.8rem}
form.inline{display:inline}code{background:#eef;padding:0 .25rem;border-radius:3px}
label{display:block;margin:.4rem 0}
"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def page(title: str, body: str, *, store: dict | None = None) -> str:
    nav = '<a href="/manage/"><strong>BigCommerce sandbox</strong></a>'
    if store:
        base = f"/manage/stores/{esc(store['hash'])}"
        nav += (
            f'<span>{esc(store["name"])}</span><a href="{base}/">Products</a>'
            f'<a href="{base}/locations">Locations</a><a href="{base}/orders">Orders</a><a href="{base}/apps">Apps</a>'
            f'<a href="{base}/api-accounts">API accounts</a>'
            f'<a href="{base}/webhooks">Webhooks</a><a href="{base}/requests">API log</a>'
        )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}"
        f"</title><style>{CSS}</style></head><body><header>{nav}</header><main>"
        f"<h1>{esc(title)}</h1>{body}</main></body></html>"
    )


def table(headers: list[str], rows: list[list[str]], empty: str = "Nothing yet.") -> str:
    if not rows:
        return f"<p class='muted'>{esc(empty)}</p>"
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def button_form(action: str, label: str, fields: dict | None = None, css: str = "") -> str:
    hidden = "".join(f"<input type='hidden' name='{esc(k)}' value='{esc(v)}'>" for k, v in (fields or {}).items())
    return (
        f"<form class='inline' method='post' action='{esc(action)}'>{hidden}"
        f"<button class='{css}'>{esc(label)}</button></form>"
    )

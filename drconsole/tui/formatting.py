"""Short, fixed-width renderings of sizes, ages, keys and ARNs for the TUI's columns."""

from __future__ import annotations

from datetime import datetime, timedelta

# AWS refuses a request signed more than 5 minutes from its clock: while it answers, this
# machine's clock is at most that far from AWS's, and a time that far ahead is just now.
CLOCK_TOLERANCE_SECONDS = 300
# Staleness bands of a resource's newest recovery point (its current RPO).
FRESH = timedelta(days=1)
STALE = timedelta(days=3)


def human_size(size_bytes: int | None) -> str:
    """1536 -> '1.5 KiB'; None -> '-'."""
    if size_bytes is None or size_bytes < 0:
        return "-"
    value = float(size_bytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PiB"


def human_age(delta: timedelta | None) -> str:
    """A compact age: '45s', '12m', '5h', '3d 4h', '41d'."""
    if delta is None:
        return "-"
    seconds = int(delta.total_seconds())
    if seconds < 0:
        # A point AWS made a minute ago reads as ahead of a clock a few minutes behind.
        return "0s" if seconds >= -CLOCK_TOLERANCE_SECONDS else "future"
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    days, rest = divmod(seconds, 86400)
    if days < 10 and rest >= 3600:
        return f"{days}d {rest // 3600}h"
    return f"{days}d"


def staleness(delta: timedelta | None) -> str:
    """'fresh' (under a day), 'aging' (under three) or 'stale': the CSS class of an age."""
    if delta is None or delta > STALE:
        return "stale"
    if delta > FRESH:
        return "aging"
    return "fresh"


def short_time(moment: datetime | None) -> str:
    """'2026-11-23 10:46' in UTC, or '-'."""
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d %H:%M")


def short_date(moment: datetime | None) -> str:
    """'2026-11-23', or '-'."""
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d")


def short_key(key_arn: str | None) -> str:
    """A KMS key ARN as 'key/1a2b3c4d' (the first block of its id) or an alias name."""
    if not key_arn:
        return "-"
    tail = key_arn.rsplit(":", 1)[-1]
    if tail.startswith("key/"):
        return tail[:12]
    return tail


def resource_id(resource_arn: str) -> str:
    """The last part of a resource ARN: 'db:prod-db', 'volume/vol-1' -> 'vol-1'."""
    tail = resource_arn.rsplit(":", 1)[-1]
    if "/" in tail:
        return tail.rsplit("/", 1)[-1]
    return tail or resource_arn


def vault_label(vault_arn: str | None, home_account: str = "") -> str:
    """A vault ARN as '<account>/<vault name>' (just the name in `home_account`), or '-'."""
    if not vault_arn:
        return "-"
    parts = vault_arn.split(":")
    if len(parts) >= 7:
        return parts[6] if parts[4] == home_account else f"{parts[4]}/{parts[6]}"
    return vault_arn


def fit(text: str, width: int) -> str:
    """Pad or cut `text` to exactly `width` cells, marking a cut with an ellipsis."""
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: width - 1] + "…"
    return text.ljust(width)


def fit_right(text: str, width: int) -> str:
    """Like `fit`, right-aligned (for numbers)."""
    if len(text) > width:
        return text[: width - 1] + "…"
    return text.rjust(width)

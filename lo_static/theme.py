"""The council's colours: contrast checks (WCAG 2.2 1.4.3, 1.4.11, 2.4.13) and the CSS they set.

The theme uses the primary colour for the header background (under white text), for links (on
white and on the light grey navigation bar) and for accents; the focus colour is the highlight
behind a focused link (under near-black text) and must stand out against the header too.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import SiteConfig
from .diagnostics import Diagnostic
from .rules import problem

TEXT = "#0b0c0c"
WHITE = "#ffffff"
NAV_BACKGROUND = "#f3f2f1"
TEXT_MINIMUM = 4.5
NON_TEXT_MINIMUM = 3.0


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of `#rrggbb`."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours, from 1 to 21."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True)
class Pairing:
    """Two colours the theme puts together, and the ratio they need."""

    key: str
    other: str
    minimum: float
    what: str


def check_theme(config: SiteConfig, display: str, lines: dict[str, int]) -> list[Diagnostic]:
    """Contrast problems with the configured colours, at their lines in site.yaml."""
    primary, focus = config.theme.primary_colour, config.theme.focus_colour
    pairings = [
        (primary, Pairing("primary_colour", WHITE, TEXT_MINIMUM,
                          "white header text on it, and links in it on white")),
        (primary, Pairing("primary_colour", NAV_BACKGROUND, TEXT_MINIMUM,
                          "links in it on the light grey navigation bar")),
        (focus, Pairing("focus_colour", TEXT, TEXT_MINIMUM, "dark text on the focus highlight")),
        (focus, Pairing("focus_colour", primary, NON_TEXT_MINIMUM,
                        "the focus highlight against the header")),
    ]
    found: list[Diagnostic] = []
    for colour, pairing in pairings:
        ratio = contrast(colour, pairing.other)
        if ratio >= pairing.minimum:
            continue
        found.append(
            problem(
                "theme-contrast",
                display,
                lines.get(f"theme.{pairing.key}") or lines.get("theme.primary_colour", 0),
                f"theme.{pairing.key} {colour} gives a contrast of {ratio:.2f}:1 for "
                f"{pairing.what}; it needs at least {pairing.minimum:g}:1 (WCAG 2.2 "
                f"{'1.4.3' if pairing.minimum == TEXT_MINIMUM else '1.4.11'}). Choose a "
                f"{'darker' if pairing.key == 'primary_colour' else 'lighter'} colour",
            )
        )
    return found


def css_variables(config: SiteConfig) -> str:
    """The first lines of the stylesheet: the council's colours as CSS custom properties."""
    return (
        ":root {\n"
        f"  --app-primary: {config.theme.primary_colour};\n"
        f"  --app-focus: {config.theme.focus_colour};\n"
        "}\n"
    )

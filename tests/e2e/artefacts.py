"""Where browser tests leave files for a reviewer (gitignored: var/ is)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "var" / "test-artifacts" / "screens"

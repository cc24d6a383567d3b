"""`python -m manifest [OUT]`: write the Teams app package (default: ./appPackage.zip)."""
import sys
from pathlib import Path

from settings import SettingsError, load_settings

from .build import build


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"manifest: configuration error: {error}", file=sys.stderr)
        return 2
    out = build(settings, Path(sys.argv[1] if len(sys.argv) > 1 else "appPackage.zip"))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

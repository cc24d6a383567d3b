"""Reading profiles: the one place the protocol package touches files (its own data)."""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from .errors import ProfileError, describe
from .profile import Profile

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A shipped profile by name (`hackney`) or any profile file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        if str(name_or_path) not in profile_names():
            raise ProfileError(f"unknown profile {str(name_or_path)!r}; choose one of {', '.join(profile_names())}")
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except yaml.YAMLError as error:
        raise ProfileError(f"{path}: not valid YAML ({error.__class__.__name__}: {error})".replace("\n", " ")) from None
    return parse_profile(raw, origin=str(path))


def parse_profile(raw: object, *, origin: str = "profile") -> Profile:
    if not isinstance(raw, dict):
        raise ProfileError(f"{origin}: a profile must be a mapping of fields")
    try:
        return Profile.model_validate(raw)
    except ValidationError as error:
        raise ProfileError(f"{origin}: {describe(error)}") from None

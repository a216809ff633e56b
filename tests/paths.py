"""Where the tests find things outside the repository.

`shared/` (spec, WSDLs, legacy request vectors) is a sibling of the repository root, e.g.
/work/main -> /work/shared. Tests that need it skip when it is absent.
"""

from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = (REPO_DIR / ".." / "shared").resolve()
LEGACY_VECTORS_DIR = SHARED_DIR / "vectors" / "legacy-requests"

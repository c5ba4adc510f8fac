"""merge the feature branches (channels, console, booking, protection, broadcasts)

Revision ID: 0008
Revises: 0003, 0004, 0005, 0006, 0007
Create Date: 2026-12-03 09:00:00

The five features were built at the same time, each on its own branch off 0002; they touch
different tables (0004 and 0006 both add columns to `cases`, in place), so their order does
not matter. From here on the history is one line again.
"""

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | Sequence[str] | None = ("0003", "0004", "0005", "0006", "0007")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""seat_promises: an OPP seat promised in a chat turn is taken by PostgreSQL at the commit

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:00:00

Written by hand. A turn that books an OPP seat inserts a promise row; on PostgreSQL a deferred
constraint trigger takes the seat when the transaction commits (the conditional UPDATE of
`bot.booking.seats`, run by the server) and deletes the promise, or refuses the commit with
SQLSTATE LTS01 when the session filled meanwhile. The session's row is then locked only for
the commit itself, never while the gateway is busy between two statements. SQLite, with one
writer at a time, keeps taking the seat with the UPDATE before the commit; the table is empty
there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

TAKE_SEAT = """
CREATE FUNCTION ltsa_take_promised_seat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE opp_sessions SET seats_taken = seats_taken + 1
     WHERE id = NEW.opp_session_id AND status = 'scheduled'
       AND starts_at > NEW.promised_at AND seats_taken < capacity;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'OPP session % filled before the commit', NEW.opp_session_id
            USING ERRCODE = 'LTS01';
    END IF;
    DELETE FROM seat_promises WHERE id = NEW.id;
    RETURN NULL;
END
$$
"""

TRIGGER = """
CREATE CONSTRAINT TRIGGER take_promised_seat AFTER INSERT ON seat_promises
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ltsa_take_promised_seat()
"""


def upgrade() -> None:
    op.create_table(
        "seat_promises",
        sa.Column("id", BigId, nullable=False),
        sa.Column("opp_session_id", BigId, nullable=False),
        sa.Column("promised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["opp_session_id"], ["opp_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TAKE_SEAT)
        op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS take_promised_seat ON seat_promises")
        op.execute("DROP FUNCTION IF EXISTS ltsa_take_promised_seat()")
    op.drop_table("seat_promises")

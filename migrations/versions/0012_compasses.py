"""compasses: steps 2–3's life compass, a row per version, its activities, and its MOU's acceptance

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'compasses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), sa.ForeignKey('households.id'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('classification', sa.String(length=20), nullable=False),
        sa.Column('goals', sa.JSON(), nullable=False),
        sa.Column('spending', sa.JSON(), nullable=True),
        sa.Column('debt_repayment', sa.Numeric(12, 2), nullable=True),
        sa.Column('way_out', sa.JSON(), nullable=True),
        sa.Column('target_per_person_year', sa.Numeric(12, 2), nullable=True),
        sa.Column('target_date', sa.Date(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('created_by', sa.Integer(), sa.ForeignKey('staff.id'), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('representative', sa.String(length=200), nullable=True),
        sa.Column('team', sa.Text(), nullable=True),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('accepted_by', sa.Integer(), sa.ForeignKey('staff.id'), nullable=True),
        sa.Column('photo_id', sa.Integer(), sa.ForeignKey('photos.id'), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('household_id', 'version', name='uq_compasses_household_version'),
    )
    op.create_index('ix_compasses_household', 'compasses', ['household_id'])
    op.create_table(
        'compass_activities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('compass_id', sa.Integer(), sa.ForeignKey('compasses.id'), nullable=False),
        sa.Column('part', sa.String(length=12), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('who', sa.String(length=200), nullable=False),
        sa.Column('target_month', sa.Date(), nullable=False),
        sa.Column('sign', sa.String(length=200), nullable=True),
        sa.Column('agency', sa.String(length=60), nullable=True),
        sa.Column('support', sa.Text(), nullable=True),
        sa.Column('support_baht', sa.Numeric(12, 2), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('status_reason', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_compass_activities_compass', 'compass_activities', ['compass_id'])


def downgrade():
    op.drop_index('ix_compass_activities_compass', table_name='compass_activities')
    op.drop_table('compass_activities')
    op.drop_index('ix_compasses_household', table_name='compasses')
    op.drop_table('compasses')

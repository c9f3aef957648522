"""The migrations build the schema the models describe, on each backend: a model changed without its
migration fails here before it fails in a deployment."""

from flask_migrate import check


def test_the_migrations_match_the_models(app):
    with app.app_context():
        check()  # raises when a model changed without a migration

"""Piccolo's entry point: the engine comes from DATABASE_URL.

`DB` is built on first use, not at import, because building a Piccolo engine
connects to the database; importing this module (as `piccolo` and `upik` do
before they know what they will run) must stay free of side effects.
The running app rebinds `DB` to its own engine (see backend.database.bind).
"""

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["backend.piccolo_app"])


def __getattr__(name: str):
    if name == "DB":
        from backend.database import engine_from_url
        from backend.settings import get_settings

        engine = engine_from_url(get_settings().database_url)
        globals()["DB"] = engine
        return engine
    raise AttributeError(name)

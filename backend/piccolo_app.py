"""The one Piccolo app: every table of every domain, migrations in /migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.accounts.reset_tables import PasswordResetCode
from backend.accounts.tables import AuthToken, User
from backend.complaints.tables import (
    Attachment,
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    ComplaintStep,
)
from backend.holidays.tables import Holiday
from backend.notifications.tables import Notification
from backend.organisation.tables import Category, Unit
from backend.public.tables import ApiKey, Open311Contact
from backend.templates.tables import AnswerTemplate
from push.tables import PushSubscription, PushVapidKey

TABLES = [
    Unit,
    Category,
    User,
    AuthToken,
    Complaint,
    ComplaintMessage,
    ComplaintEvent,
    Attachment,
    ComplaintStep,
    Notification,
    PushSubscription,
    Holiday,
    AnswerTemplate,
    ApiKey,
    Open311Contact,
    PasswordResetCode,
    PushVapidKey,
]

APP_CONFIG = AppConfig(
    app_name="upik",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)

"""Every model, imported so Alembic and the app see the whole schema."""
from .ideas import Category, Comment, Idea, Status
from .outbox import OutboundEmail
from .users import ROLES, ApiToken, User
from .votes import Vote

__all__ = ["ApiToken", "Category", "Comment", "Idea", "OutboundEmail", "ROLES", "Status", "User", "Vote"]

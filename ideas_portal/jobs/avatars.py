"""A member's avatar thumbnail; its file name derives from the avatar's, so a retry rewrites the same file."""

from ..services import profile
from . import job, report


@job(queue="images", timeout=120)
def make_thumbnail(user_id: int) -> str:
    state = profile.make_avatar_thumbnail(user_id)
    report(state=state)
    return state

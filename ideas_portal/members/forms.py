from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from ..forms import Form
from ..services.badges import NOTE_MAX


class StarMemberForm(Form):
    note = TextAreaField(
        "Note (optional)",
        validators=[Optional(), Length(max=NOTE_MAX)],
        description=f"Why they are a star, shown with the badge on their profile. Up to {NOTE_MAX} characters.",
    )

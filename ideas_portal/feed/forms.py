from ..forms import Form, WholeNumberField
from flask_wtf.file import FileAllowed, FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..models.types import MAX_ID
from ..services import status_catalog


class StatusForm(Form):
    status = SelectField("New status", validators=[DataRequired()])
    note = TextAreaField(
        "Public note",
        validators=[Optional(), Length(max=5000)],
        description="Shown on the idea's timeline, in Ideas in Action and to every follower.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(s.slug, s.name) for s in status_catalog.statuses()]


class MergeForm(Form):
    into = WholeNumberField("Idea to merge into", validators=[DataRequired(), NumberRange(min=1, max=MAX_ID)])


class PostForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(min=3, max=160)])
    body = TextAreaField(
        "Story",
        validators=[DataRequired(), Length(max=20000)],
        description="Markdown works. Tell customers what you did and why.",
    )
    photo = FileField(
        "Photo (optional)",
        validators=[FileAllowed(["jpg", "jpeg", "png", "webp"], "JPEG, PNG or WebP only.")],
        description="JPEG, PNG or WebP; location data is removed.",
    )
    idea_ids = StringField(
        "Linked ideas",
        validators=[Optional(), Length(max=200)],
        description="Idea numbers separated by commas, e.g. 12, 40.",
    )

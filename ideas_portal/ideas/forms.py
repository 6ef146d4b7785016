from ..forms import Form, WholeNumberField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from ..models.types import MAX_ID
from ..services import ideas


class IdeaForm(Form):
    title = StringField(
        "Title",
        validators=[DataRequired(), Length(min=5, max=120)],
        description="5–120 characters. Say what you want in one line.",
    )
    body = TextAreaField(
        "Describe your idea",
        validators=[DataRequired(), Length(max=10_000)],
        description="Why would it help you and others? Markdown works: **bold**, lists, links.",
    )
    category = SelectField("Category", validators=[Optional()], description="Helps the right team find your idea.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", "— choose a category —")] + [(c.slug, c.name) for c in ideas.categories()]


class CommentForm(Form):
    body = TextAreaField(
        "Your comment",
        validators=[DataRequired(), Length(max=5_000)],
        description="Be kind and specific. Markdown works.",
    )
    parent_id = WholeNumberField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


class VoteForm(Form):
    value = WholeNumberField(validators=[DataRequired(), AnyOf([1, -1])])

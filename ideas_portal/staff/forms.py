from ..forms import Form
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class CategoryForm(Form):
    name = StringField(
        "Category name",
        validators=[DataRequired(), Length(min=2, max=60)],
        description="Members pick one of these when they submit an idea.",
    )


class StatusEditForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(min=2, max=60)])
    colour = StringField(
        "Colour", validators=[DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$", message="Use #rrggbb.")], default="#2563eb"
    )
    is_closed = BooleanField("Closed (no more votes)")

from wtforms import BooleanField, DateTimeLocalField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import Form
from ..services.polls import polls


class PollForm(Form):
    question = StringField("Question", validators=[DataRequired(), Length(min=3, max=polls.QUESTION_MAX)])
    options = TextAreaField(
        "Options, one per line",
        validators=[DataRequired()],
        description=f"{polls.MIN_OPTIONS} to {polls.MAX_OPTIONS} different options of up to {polls.OPTION_MAX} "
        "characters, in the order members see them.",
        render_kw={"rows": 6},
    )
    multiple = BooleanField("Members may choose several options")
    opens_at = DateTimeLocalField(
        "Opens (UTC, optional)", validators=[Optional()], description="Leave empty to open it at once."
    )
    closes_at = DateTimeLocalField(
        "Closes (UTC, optional)",
        validators=[Optional()],
        description="Leave empty to keep it open until you close it. Its results are posted when it closes.",
    )
    results_shown = RadioField(
        "Members see the results",
        choices=[("after_vote", "once they have answered"), ("after_close", "only when the poll has closed")],
        default="after_vote",
    )
    featured = BooleanField(
        "Feature it: on the home page and in Ideas in Action, where its results are posted when it closes",
        default=True,
    )

from ..forms import Form
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ..services.moderation import DECISIONS, REASON_MAX


class FlagForm(Form):
    reason = TextAreaField("What is wrong with it?", validators=[DataRequired(), Length(max=REASON_MAX)])


class DecisionForm(Form):
    decision = StringField(validators=[AnyOf(list(DECISIONS))])
    note = StringField("Note for the audit log", validators=[Optional(), Length(max=REASON_MAX)])


class BanForm(Form):
    reason = TextAreaField(
        "Reason, shown to the member",
        validators=[DataRequired(), Length(max=REASON_MAX)],
        description="They can still read, but cannot post, comment, vote or flag.",
    )


class UnbanForm(Form):
    note = StringField("Note for the audit log", validators=[Optional(), Length(max=REASON_MAX)])


class PageForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(min=2, max=120)])
    body = TextAreaField(
        "Text",
        validators=[DataRequired(), Length(max=20_000)],
        description="Markdown: **bold**, lists with -, [links](https://…), ### headings.",
        render_kw={"rows": 16},
    )
    summary = StringField(
        "What did you change?", validators=[Optional(), Length(max=500)], description="Optional; kept in the audit log."
    )

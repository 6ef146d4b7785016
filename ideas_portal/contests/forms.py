from ..forms import Form, WholeNumberField
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class EntryForm(Form):
    photo = FileField(
        "Your photo",
        validators=[FileRequired("Choose a photo to upload.")],
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
        description="JPEG, PNG or WebP, up to 16 MB and 40 megapixels. We remove location and "
        "camera data before anyone sees it.",
    )
    caption = StringField(
        "Caption",
        validators=[Optional(), Length(max=300)],
        description="A line about your photo, shown under it in the gallery.",
    )
    accept_rules = BooleanField(
        "I have read and accept the contest rules.",
        validators=[DataRequired("Please accept the contest rules to enter.")],
    )
    full_name = StringField(
        "Full name (optional)",
        validators=[Optional(), Length(max=120)],
        description="So we can make sure a prize reaches the right person if you win.",
    )
    phone = StringField(
        "Phone (optional)",
        validators=[Optional(), Length(max=40)],
        description="Only used to reach you quickly if you win.",
    )
    postal_address = TextAreaField(
        "Postal address (optional)",
        validators=[Optional(), Length(max=500)],
        description="Where we would send a physical prize. Only staff running the contest can see it.",
    )
    marketing_consent = BooleanField(
        "Yes, send me news and offers by email (optional).",
        description="Separate from entering: you can enter without it and withdraw it at any time in your settings.",
    )


class ContestForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(min=3, max=120)])
    rules = TextAreaField(
        "Rules",
        validators=[DataRequired(), Length(max=20000)],
        description="Markdown works. Entrants must accept these before they upload.",
    )
    prize = StringField("Prize", validators=[Optional(), Length(max=300)])
    opens_at = DateTimeLocalField(
        "Opens (UTC)", validators=[InputRequired()], description="Entries and votes are taken from this moment."
    )
    entries_close_at = DateTimeLocalField("Entries close (UTC)", validators=[InputRequired()])
    closes_at = DateTimeLocalField(
        "Voting closes (UTC)",
        validators=[InputRequired()],
        description="Winners are picked and announced automatically at this time.",
    )
    max_entries_per_member = WholeNumberField(
        "Entries per member", default=1, validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    daily_vote_allowance = WholeNumberField(
        "Votes per member per day (optional)",
        validators=[Optional(), NumberRange(min=1, max=10000)],
        description="Leave empty for no daily limit (still one vote per entry).",
    )
    moderated = BooleanField("Staff review each entry before it appears", default=True)
    winner_count = WholeNumberField(
        "Number of winners", default=1, validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    winner_method = SelectField(
        "Winners are chosen by",
        choices=[
            ("votes", "Public votes"),
            ("judges", "Judges' scores blended with public votes"),
            ("sweepstakes", "A random draw among approved entries"),
        ],
    )
    judge_weight = WholeNumberField(
        "Judges' weight (%)",
        default=50,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description="For judged contests: the share of the result the judges decide; public votes decide the rest.",
    )


class ReviewForm(Form):
    reason = StringField("Reason (shown to the entrant if rejected)", validators=[Optional(), Length(max=500)])


class ScoreForm(Form):
    score = WholeNumberField("Score (1–10)", validators=[InputRequired(), NumberRange(min=1, max=10)])

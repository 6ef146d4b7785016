"""Demo data for `flask seed-demo`: one coffee chain's idea portal over four months, deterministic, idempotent.

Everything is backdated on one timeline, and the events that write feed items (status changes, merges, the
contest result) run in the order of their dates, so the feed's order (by id) is the order of its timestamps.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from werkzeug.security import generate_password_hash

from ..extensions import db
from ..models import Category, Comment, FeedItem, Idea, Status, StatusChange, User, Vote
from ..models.merges import IdeaMerge
from ..models.types import utcnow
from ..services import markdown, merges, status_changes, voting
from . import contests

DEMO_LOGINS = [
    ("member@example.com", "member-password", "Maya Member", "member"),
    ("staff@example.com", "staff-password", "Sam Staff", "staff"),
    ("admin@example.com", "admin-password", "Ada Admin", "admin"),
]
FIRST = [
    "Alex",
    "Blair",
    "Casey",
    "Dana",
    "Eli",
    "Finley",
    "Gray",
    "Harper",
    "Indy",
    "Jules",
    "Kai",
    "Lee",
    "Morgan",
    "Noor",
    "Oakley",
    "Parker",
    "Quinn",
    "Riley",
    "Sky",
    "Taylor",
    "Uma",
    "Val",
    "Wren",
    "Yael",
    "Zed",
]
LAST = ["Adams", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen"]
DAYS = 120  # how far back the story starts

IDEAS = [  # (category, title, body), as members of a coffee chain's community would write them
    (
        "products",
        "Bring back the pumpkin loaf all year",
        "It disappears every November and I miss it by January. Even one day a week would do.",
    ),
    ("products", "Oat milk at no extra charge", "I can't have dairy, so every drink costs me more than my friends."),
    ("products", "A smaller size for the seasonal drinks", "The holiday drinks are lovely but too sweet in a grande."),
    ("products", "More savoury breakfast options", "Everything before 10am is a muffin. A hot egg wrap, please."),
    ("products", "Decaf cold brew", "I love cold brew in the afternoon but then I can't sleep."),
    ("products", "Sugar-free caramel syrup", "The vanilla one is great; caramel would make my day."),
    ("products", "Gluten-free pastries that are wrapped separately", "So there's no risk of crumbs from the others."),
    ("products", "A vegan sandwich that isn't just hummus", "Something with a bit of protein, please."),
    ("products", "Sell the house blend in smaller bags", "A 250 g bag would stay fresh until I finish it."),
    ("products", "Iced matcha with less sugar", "The matcha is pre-sweetened, so there's no way to order it light."),
    ("products", "Bring back the raspberry scone", "It was the best thing in the pastry case. Please!"),
    ("products", "Hot chocolate with real dark chocolate", "The current one tastes mostly of sugar."),
    ("products", "Seasonal single-origin pour-over", "Show off the interesting coffees, even in bigger stores only."),
    ("products", "Offer a kids' size hot chocolate", "Not too hot and not too big, for my two little ones."),
    ("app", "Let me reorder my usual in one tap", "I order the same thing every morning; it takes six taps today."),
    ("app", "Show how busy my store is before I order", "Some mornings the pickup shelf is a 15 minute wait."),
    ("app", "Save more than one custom drink", "My partner and I both order from my phone."),
    ("app", "Dark mode in the app", "I order at 6am and the white screen is blinding."),
    ("app", "Let me tip the barista in the app", "I never carry cash any more."),
    ("app", "Order ahead for the drive-thru", "Mobile orders only work for walk-in pickup at my store."),
    ("app", "Show allergens for every item", "I have to ask every time whether something has nuts in it."),
    ("app", "Split a group order between friends", "Our office orders together and someone always pays for all."),
    ("app", "Tell me when my order is actually ready", "The notification comes before the drink is on the shelf."),
    ("app", "Apple Pay for gift card top-ups", "It works for orders but not for loading the card."),
    ("app", "A widget for my home screen", "My rewards balance and my usual, one glance."),
    ("rewards", "Stars for bringing my own cup", "I bring my tumbler every day; a few stars would be a nice thanks."),
    ("rewards", "Let stars expire later", "I save up for a bag of beans and they keep expiring."),
    ("rewards", "Birthday reward on any drink, any size", "Right now it excludes the drinks I actually want."),
    ("rewards", "Double stars on rainy days", "Make a grey day a little better, and get us in the door."),
    ("rewards", "Share stars with family", "My teenager and I could pool ours."),
    ("rewards", "A reward for trying a new drink", "It would get me to try something other than my flat white."),
    ("rewards", "Free refill on filter coffee for members", "Many other cafés do this if you stay in."),
    ("rewards", "Redeem stars for merchandise", "I'd rather have a new tumbler than another free drink."),
    ("experience", "More power outlets by the window seats", "Everyone fights over the two sockets by the door."),
    ("experience", "A quiet hour without music", "Some mornings I come in to read before work."),
    ("experience", "Put the pickup shelf away from the queue", "You have to push through the line to get your order."),
    ("experience", "Write names the way we spell them", "A little box in the app to say how my name is spelled."),
    ("experience", "Open an hour earlier on weekdays", "Commuters are at the station by 6; the store opens at 7."),
    ("experience", "Faster wifi that doesn't log me out", "It asks me to log in again every 30 minutes."),
    ("experience", "Bigger tables for working", "The small round tables barely fit a laptop and a cup."),
    ("experience", "Dog-friendly patio with water bowls", "Lots of us walk our dogs to the store on weekends."),
    ("experience", "A separate line for mobile orders at busy stores", "The counter gets crowded at 8am."),
    ("experience", "Baby changing tables in every store", "Only some of the stores near me have them."),
    ("experience", "Let me order a drink at the table", "A QR code on the table, and someone brings it over."),
    ("community", "Recycling bins for cups and lids in store", "Everything goes in one bin today, lids and all."),
    ("community", "Give leftover pastries to food banks", "It hurts to think of them going in the bin every night."),
    ("community", "A discount for reusable cups", "Ten cents off would get more of us to carry one."),
    ("community", "Paper straws that don't go soggy", "Mine is mush before I'm halfway through."),
    ("community", "Host a monthly coffee tasting", "I'd love to learn how the different roasts compare."),
    ("community", "Compostable pods for the home machines", "The pods are convenient but I feel bad about the waste."),
    ("community", "Free coffee grounds for gardeners", "A box of used grounds by the door, like some stores do."),
    ("community", "Show local artists on the store walls", "Our neighbourhood has so much talent."),
    ("community", "A library shelf to swap books", "Take one, leave one, while you have your coffee."),
    ("other", "Sell the store playlist on a streaming app", "I always want to know what song is playing."),
    ("other", "Gift cards with a personal message", "A short note printed on the card for birthdays."),
    ("other", "Bring back the holiday cups with the snowflakes", "The plain red ones just aren't the same."),
    ("other", "Let us vote on next season's drink", "A poll between three new flavours would be so fun."),
]
DUPLICATES = [  # (the original's title, the duplicate's title, body): found and merged by staff
    ("Bring back the pumpkin loaf all year", "Pumpkin loaf all year round please!!", "Why is it only in autumn?"),
    ("Oat milk at no extra charge", "Stop charging extra for plant milk", "Soy and oat shouldn't cost more."),
    ("Let me reorder my usual in one tap", "Quick reorder button", "A button to order my last drink again."),
    ("Stars for bringing my own cup", "Reward reusable cups with bonus stars", "Give members stars for a tumbler."),
    ("More power outlets by the window seats", "Need more plugs for laptops", "I can never find a socket."),
    ("Dark mode in the app", "Please add a dark theme", "My eyes at 6 in the morning would thank you."),
]
COMMENTS = [
    "Yes please! I'd use this every day.",
    "Not sure about this one — what would it cost?",
    "+1, this is overdue.",
    "My local store tried something like this and it worked well.",
    "Could this work in the app too?",
    "Love it. **Especially** in winter.",
    "This would make my mornings so much easier.",
    "Agree, and it would help the baristas too.",
]
NOTES = {
    "under-review": "Thanks for all the votes — our product team is looking at this now.",
    "reviewed": "We reviewed this with the store teams; next step is a cost check.",
    "coming-soon": "Good news: this is **coming soon** to selected stores.",
    "launched": "It's here! Thank you to everyone who shared and supported this idea.",
    "not-planned": "We looked hard at this but can't make it work right now. Thanks for understanding.",
}
TARGETS = {"new": 40, "under-review": 14, "reviewed": 10, "coming-soon": 8, "launched": 8, "not-planned": 6}


def _before(now: datetime, at: datetime, margin: timedelta = timedelta(hours=2)) -> datetime:
    """Nothing seeded lands in the last couple of hours, so no page shows a month-old story as "just now"."""
    return min(at, now - margin)


def _members(rng: random.Random, now: datetime) -> list[User]:
    users = [
        User(
            email=email,
            name=name,
            role=role,
            password_hash=generate_password_hash(password),
            created_at=now - timedelta(days=DAYS + 60),
            email_verified_at=now - timedelta(days=DAYS + 60),  # demo votes count
        )
        for email, password, name, role in DEMO_LOGINS
    ]
    member_hash = generate_password_hash("demo-password")  # hashed once: scrypt is slow on purpose
    users += [
        User(
            email=f"demo{i + 1}@example.com",
            name=f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}",
            role="member",
            password_hash=member_hash,
            created_at=now - timedelta(days=rng.randint(DAYS + 5, 400)),
            email_verified_at=now - timedelta(days=DAYS + 5),
        )
        for i in range(47)
    ]
    db.session.add_all(users)
    db.session.flush()
    return users


def _ideas(rng: random.Random, now: datetime, users: list[User]) -> tuple[list[Idea], list[tuple[Idea, Idea]]]:
    """The ideas, oldest first, and (duplicate, original) pairs: each duplicate posted after its original."""
    categories = {c.slug: c.id for c in db.session.scalars(select(Category))}
    first = db.session.scalar(select(Status).order_by(Status.position, Status.id))
    authors = users[3:] + users[:1]

    def idea(category_id: int | None, title: str, body: str, created: datetime) -> Idea:
        return Idea(
            title=title,
            body=body,
            body_html=markdown.render(body),
            author_id=rng.choice(authors).id,
            category_id=category_id,
            status_id=first.id,
            status=first,
            created_at=created,
            updated_at=created,
        )

    made = [idea(categories.get(c), t, b, now - timedelta(hours=rng.randint(30, 24 * DAYS))) for c, t, b in IDEAS]
    by_title = {i.title: i for i in made}
    pairs = []
    for original, title, body in DUPLICATES:
        target = by_title[original]
        posted = min(target.created_at + timedelta(hours=rng.randint(24, 24 * 20)), now - timedelta(days=3))
        pairs.append(
            (idea(target.category_id, title, body, max(posted, target.created_at + timedelta(hours=1))), target)
        )
    everything = sorted(made + [d for d, _ in pairs], key=lambda i: i.created_at)
    db.session.add_all(everything)  # ids in the order the ideas were posted
    db.session.flush()
    return everything, pairs


def _status_events(rng, now, ideas: list[Idea], skip: set[int], staff: User) -> list[tuple[datetime, int, object]]:
    """Each idea walks the workflow a few days per step; steps that would fall after today have not happened."""
    statuses = {s.slug: s for s in db.session.scalars(select(Status))}
    steps = ["under-review", "reviewed", "coming-soon", "launched"]
    events = []
    for idea in ideas:
        if idea.id in skip:
            continue
        target = rng.choices(list(TARGETS), weights=list(TARGETS.values()))[0]
        path = (
            []
            if target == "new"
            else (["under-review", "not-planned"] if target == "not-planned" else steps[: steps.index(target) + 1])
        )
        at = idea.created_at
        for slug in path:
            at += timedelta(hours=rng.randint(24 * 3, 24 * 12))
            if at > now - timedelta(hours=2):
                break

            def change(idea=idea, step=statuses[slug], at=at):
                status_changes.record(idea, idea.status_id, step, staff, NOTES.get(step.slug, ""), at=at)

            events.append((at, idea.id, change))
    return events


def _merge_events(rng, now, pairs: list[tuple[Idea, Idea]], staff: User) -> list[tuple[datetime, int, object]]:
    """Staff merge each duplicate into its original through the real merge, dated when they found it."""
    events = []
    for dup, target in pairs:
        at = _before(now, dup.created_at + timedelta(hours=rng.randint(6, 72)))

        def merge(dup_id=dup.id, target_id=target.id, at=at):
            merges.merge(staff, dup_id, target_id)
            change = db.session.scalar(
                select(StatusChange).where(StatusChange.idea_id == dup_id).order_by(StatusChange.id.desc()).limit(1)
            )
            db.session.execute(update(StatusChange).where(StatusChange.id == change.id).values(created_at=at))
            db.session.execute(update(FeedItem).where(FeedItem.status_change_id == change.id).values(created_at=at))
            db.session.execute(update(IdeaMerge).where(IdeaMerge.source_id == dup_id).values(created_at=at))
            db.session.execute(update(Idea).where(Idea.id == dup_id).values(status_changed_at=at))
            db.session.commit()

        events.append((at, dup.id, merge))
    return events


def _votes_and_comments(rng, now, ideas: list[Idea], users: list[User], ends: dict[int, datetime]) -> tuple[int, int]:
    """Votes and comments arrive between an idea's posting and today (or its merge, for a duplicate)."""
    vote_rows: list[dict] = []
    comment_rows: list[Comment] = []
    for idea in ideas:
        end = ends.get(idea.id, now - timedelta(hours=1))
        span = (end - idea.created_at).total_seconds()
        voters = {idea.author_id}
        vote_rows.append({"idea_id": idea.id, "user_id": idea.author_id, "value": 1, "created_at": idea.created_at})
        for user in rng.sample(users, k=int(rng.random() ** 2 * len(users))):
            if user.id not in voters:
                voters.add(user.id)
                vote_rows.append(
                    {
                        "idea_id": idea.id,
                        "user_id": user.id,
                        "value": 1 if rng.random() < 0.85 else -1,
                        "created_at": idea.created_at + timedelta(seconds=span * rng.random()),
                    }
                )
        for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
            body = rng.choice(COMMENTS)
            at = idea.created_at + timedelta(seconds=span * rng.random() ** 2)
            comment_rows.append(
                Comment(
                    idea_id=idea.id,
                    author_id=rng.choice(users).id,
                    body=body,
                    body_html=markdown.render(body),
                    created_at=at,
                )
            )
    # In time order, so ids follow time as they do on a live site: lists "newest first" by id stay in date order.
    db.session.add_all(sorted(comment_rows, key=lambda c: c.created_at))
    db.session.execute(insert(Vote), sorted(vote_rows, key=lambda row: row["created_at"]))
    return len(vote_rows), len(comment_rows)


def seed() -> list[str]:
    if db.session.scalar(select(User).where(User.email == DEMO_LOGINS[0][0])):
        return ["demo data already present; nothing to do"]
    rng = random.Random(20261124)
    now = utcnow()
    users = _members(rng, now)
    staff = users[1]
    ideas, pairs = _ideas(rng, now, users)
    merging = _merge_events(rng, now, pairs, staff)
    votes, comments = _votes_and_comments(rng, now, ideas, users, {dup_id: at for at, dup_id, _ in merging})
    db.session.commit()
    events = _status_events(rng, now, ideas, {dup.id for dup, _ in pairs}, staff) + merging
    contest_lines, contest_events = contests.build(now)
    for _, _, run in sorted(events + contest_events, key=lambda event: (event[0], event[1])):
        run()  # in date order, so feed item ids follow their timestamps
    db.session.commit()
    voting.recount()  # counters and ranking scores straight from the rows just written
    total = db.session.scalar(select(func.count()).select_from(Idea))
    return [
        f"seeded {len(users)} members, {total} ideas ({len(pairs)} merged as duplicates), {votes} votes, "
        f"{comments} comments"
    ] + contest_lines

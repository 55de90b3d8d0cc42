"""The classroom: classes students join by link, and what they do, kept in a real database.

``db`` opens the database (SQLite by default, PostgreSQL by URL) and applies the Alembic
migrations; ``schema`` holds the tables; ``classes`` creates, joins, guards and ends a class;
``events`` records each student's steps, once each, and reads them back for the dashboard.
"""

from backdoor.classroom.classes import (
    CODE_ALPHABET, MAX_NICKNAME, ClassInfo, ClassroomError, Member, create_class, end_class, find_class,
    instructor_login, join_class, join_link, reveal,
)
from backdoor.classroom.db import ClassroomUnavailable, Database, database, database_url
from backdoor.classroom.events import EVENT_KINDS, Event, class_events, record, roster

__all__ = [
    "CODE_ALPHABET", "EVENT_KINDS", "MAX_NICKNAME", "ClassInfo", "ClassroomError", "ClassroomUnavailable",
    "Database", "Event", "Member", "class_events", "create_class", "database", "database_url", "end_class",
    "find_class", "instructor_login", "join_class", "join_link", "record", "reveal", "roster",
]

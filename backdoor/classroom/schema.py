"""The classroom's tables (SQLAlchemy 2). Change them only with a new migration in
``migrations/versions``: the database a class already uses is upgraded at start-up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ClassRow(Base):
    """One class: its join code, the instructor's PIN (hashed), and the starting point it hands out."""

    __tablename__ = "classes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    pin_hash: Mapped[str] = mapped_column(String(200))
    preset: Mapped[str] = mapped_column(String(40))
    seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StudentRow(Base):
    """A student in a class, known only by a nickname (unique in the class, whatever its case)."""

    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("class_id", "nickname_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    nickname: Mapped[str] = mapped_column(String(40))
    nickname_key: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the student's rejoin link, hashed
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EventRow(Base):
    """One thing a student did. ``key`` names it so a retry or a refresh never records it twice."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("student_id", "kind", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PinFailureRow(Base):
    """A wrong instructor PIN, by the code it was tried on (whether or not that class exists)."""

    __tablename__ = "pin_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

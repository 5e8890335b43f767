"""A registry of named factories, one per role: refuses duplicates and lists valid names on a miss."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from greenroom.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a name to a factory. `get` on an unknown name raises `UnknownNameError` with the valid names."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._items[name] = item
        return item

    def decorator(self, name: str) -> Callable[[T], T]:
        def wrap(item: T) -> T:
            return self.register(name, item)

        return wrap

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self._items) from None

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

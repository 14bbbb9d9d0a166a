"""A sibling module imported absolutely, as template packages do."""


def display(name: str) -> str:
    return name.title()

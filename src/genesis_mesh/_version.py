"""The package's version, in a module of its own so the modules that show it need not
import the package's public API (which imports them)."""

__version__ = "0.1.0"

"""The Textual application; talks to the rest through `models`."""

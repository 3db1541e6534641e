"""The staff home: headline numbers, each linking to what is behind it."""

"""Everything readers get: pages, feeds, exports, structured data and HTTP caching.

Nothing here imports from tracker.editorial."""

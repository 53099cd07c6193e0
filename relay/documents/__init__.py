"""Full text of judgments, decisions and reports: fetched, extracted, structured (issue 10).

    fetch.fetch_due(engine=, http=, limit=)   scheduler and CLI entry point
    retag.tag_changed(engine) -> int          then: re-tag items whose text arrived or changed
    evidence.tagging_text(item)               passages the tagger reads (facts, operative, recommendations)
    view.document_context(session=, item=)    what templates/web/_document.html shows

Pipeline: targets (where the text lives) → retrieve (HTTP) → extract_hudoc / docx / pdf
(bytes → blocks) → structure (blocks → text + offsets) → write (row state) → items
(recommendation paragraphs as items). See docs/documents.md.
"""

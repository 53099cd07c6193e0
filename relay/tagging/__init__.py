"""Sector tagging with evidence (SECTORS.md): rules in config/sectors.toml, a pure engine, DB apply.

    sectors.load_sectors_file(path) -> Ruleset     validate + compile once; errors name the rule
    engine.tag(item) -> [TagDecision]               pure; evidence with positions or metadata values
    relevance.check(item, decisions)                Norway/key-case gate; municipal or context only
    apply.tag_item / retag / set_human_tag          the database side; human tags are never touched;
                                                    reads document passages as "document.<part>" fields
    datasets + evaluate                             `relay tag eval`: rules, model and both
    features, model, combine                        the learned model beside the rules (docs/tagging.md)
    train, vocabulary                               `relay tag train` (scikit-learn, tune splits only)
    feedback                                        governors' sector decisions as labels (tag_label)
"""

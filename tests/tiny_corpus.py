"""A small labelled corpus written for the tests: enough for a tiny model to tell the labels apart."""

CORPUS = {
    "angry": [
        "This is absolutely unacceptable, I want my money back NOW",
        "Worst service ever. I'm filing a chargeback and leaving a review everywhere.",
        "You people are useless!!! Cancel my account immediately",
        "I will be contacting my lawyer about this outrageous charge",
        "HOW DARE YOU charge me twice. Disgraceful.",
        "Are you kidding me? This is a scam and you know it.",
        "Fix it today or I cancel and report you",
        "I am furious, your incompetent staff hung up on me",
    ],
    "frustrated": [
        "Third time I'm writing about this and it's still not working",
        "I've tried everything you suggested, restarted twice, still broken",
        "Still waiting. Again. This is taking forever.",
        "Ugh, the app logged me out again for the fifth time today",
        "Great, another outage. Love that for me.",
        "I keep getting the same error no matter what I do",
        "Been on hold for an hour, nobody picks up",
        "Same problem as last week, nothing has changed",
    ],
    "anxious": [
        "Please help asap, I think I lost all my files",
        "I'm scared someone got into my bank account",
        "My presentation is in an hour and nothing opens, please hurry",
        "Is my data safe? I'm really worried after that email",
        "I can't sleep over this, will my order arrive before the wedding?",
        "Urgent: payroll has to go out today and the system is down",
        "What if the payment bounced? I could lose the flat",
        "Please tell me my photos are not gone",
    ],
    "confused": [
        "I don't understand which plan I'm on",
        "Where do I find the settings page?",
        "The email says one price and the invoice another, which is right?",
        "Sorry, I'm lost, what does 'sync token' mean?",
        "Which one should I pick, basic or plus?",
        "I'm not angry, just confused how this works",
        "How do I even get to the export button?",
        "It says click Continue but there's no such button",
    ],
    "disappointed": [
        "I expected better from a company I've used for ten years",
        "I really loved this product, but this update ruined it",
        "Guess I'll just give up on getting a refund",
        "Sad to see the quality go downhill like this",
        "Honestly a bit let down, the hotel looked nothing like the photos",
        "I trusted you with my data and now this",
        "Not what I was promised when I signed up",
        "Used to recommend you to everyone. Not anymore.",
    ],
    "grateful": [
        "Thank you so much, that fixed it!",
        "You've been great, really appreciate the quick help",
        "It works now, you're a lifesaver",
        "Brilliant support, thanks for sorting it out so fast",
        "All sorted, cheers for your patience with me",
        "Wow, refund already arrived. Thanks a lot!",
        "Perfect, that's exactly what I needed. Thank you!",
        "Big thanks to Maria, she was amazing",
    ],
    "neutral": [
        "Please update the billing address to 12 Elm Street",
        "What are your opening hours on Saturday?",
        "Can you send me a copy of last month's invoice?",
        "I'd like to change my plan from monthly to yearly",
        "Is the blue model available in size 42?",
        "Please add my colleague to the account, thanks in advance",
        "Our contract renews on 1 March; please send the new terms by then. Regards",
        "Could you confirm the delivery address for order 5521?",
    ],
}


def texts_and_labels():
    """Flatten :data:`CORPUS` into two parallel lists."""
    texts, labels = [], []
    for label, items in CORPUS.items():
        texts += items
        labels += [label] * len(items)
    return texts, labels

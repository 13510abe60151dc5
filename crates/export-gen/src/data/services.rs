//! Competitions, surveys, helpdesk tickets, local listings and reviews.
//! Phone numbers (made elsewhere) use Ofcom's drama ranges.

/// (title, sponsor).
pub const COMPETITIONS: &[(&str, &str)] = &[
    ("Win a travel system worth £900", "iCandy"),
    ("Win a year's supply of nappies", "Pampers"),
    ("Win a family holiday to Cornwall", "Parkdean Resorts"),
    ("Win a Tonies bundle", "Tonies"),
    ("Win £500 of M&S vouchers", "Marks & Spencer"),
    ("Win a nursery makeover", "Mamas & Papas"),
    ("Win a car seat", "Maxi-Cosi"),
    ("Win a LEGO DUPLO set", "LEGO"),
    ("Win a family day out", "Merlin Entertainments"),
    ("Win a slow cooker", "Morphy Richards"),
];

/// (survey title, provider).
pub const SURVEYS: &[(&str, &str)] = &[
    ("Parents' screen-time survey", "YouGov"),
    ("Childcare costs 2024", "Ipsos"),
    ("Feeding your baby", "Kantar"),
    ("Back-to-school spending", "SurveyMonkey"),
    ("Family finances check-in", "Qualtrics"),
    ("Pregnancy and work", "YouGov"),
];

/// (question, possible answers).
pub const SURVEY_QA: &[(&str, &[&str])] = &[
    (
        "How many hours of screen time does your youngest have a day?",
        &["None", "Under 1 hour", "1-2 hours", "More than 2 hours"],
    ),
    (
        "How much do you spend on childcare each month?",
        &[
            "Nothing",
            "Under £500",
            "£500-£1,000",
            "Over £1,000",
            "Prefer not to say",
        ],
    ),
    (
        "Which supermarket do you use most?",
        &["Tesco", "Aldi", "Sainsbury's", "Asda", "Lidl"],
    ),
    (
        "How did you feed your baby in the first six months?",
        &[
            "Breastfed",
            "Formula",
            "Breastfed, then mixed",
            "Prefer not to say",
        ],
    ),
];

/// (subject, first message, special category).
pub const TICKETS: &[(&str, &str, bool)] = &[
    (
        "Please delete my account",
        "Hi, I'd like my account and all my posts deleted please.",
        false,
    ),
    (
        "Can't log in",
        "I've reset my password three times and it still says wrong password.",
        false,
    ),
    (
        "Subject access request",
        "Under GDPR I'm requesting a copy of all the personal data you hold about me.",
        false,
    ),
    (
        "Stop sending me emails",
        "I unsubscribed weeks ago but I'm still getting the newsletter.",
        false,
    ),
    (
        "Report a post",
        "Someone has posted my child's photo and school name on the Local board.",
        false,
    ),
    (
        "Name change",
        "Can you change my username? I posted something I regret.",
        false,
    ),
    (
        "Safeguarding concern",
        "I'm worried about a poster on the Relationships board, she mentioned self-harm.",
        true,
    ),
    (
        "Health information in my posts",
        "My posts mention my miscarriage and my mental health - please remove them.",
        true,
    ),
    (
        "Competition prize not received",
        "I won the travel system competition in March but nothing has arrived.",
        false,
    ),
    (
        "Marketing preferences",
        "Please don't share my details with partners.",
        false,
    ),
];

pub const STAFF_REPLIES: &[&str] = &[
    "Thanks for getting in touch. I've passed this to the data protection team.",
    "Sorry to hear that. Could you confirm the email address on your account?",
    "This is now done. Let us know if there's anything else.",
    "We've removed the post and warned the poster. Thanks for reporting it.",
    "We've attached the information you asked for. Kind regards, the Helpdesk team",
];

pub const BUSINESSES: &[&str] = &[
    "Little Acorns Baby Massage",
    "Tots 'n' Tumble Soft Play",
    "Sarah's Cakes, Bakes & More",
    "Bump to Baby Yoga",
    "The \"Messy Play\" Club",
    "Sing & Sign",
    "Happy Feet Childminding",
    "Mini Chefs Cookery",
    "Splash Swim School",
    "Stay & Play Café",
];

pub const REVIEW_BODIES: &[&str] = &[
    "Brilliant, the kids loved it.",
    "Good value but a bit crowded at weekends.",
    "Wouldn't go again, staff were rude.",
    "Easy recipe, even my fussy eater had seconds!",
    "Broke after two weeks. Customer service were helpful though.",
    "Five stars, would recommend to any new mum",
];

pub const HELPDESK_AGENTS: &[&str] = &["Claire (DP team)", "Marcus", "Priya S.", "Helpdesk bot"];

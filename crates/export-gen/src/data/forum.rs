//! The forum: boards with thread titles, post text, private messages.

/// (board, thread titles).
pub const BOARDS: &[(&str, &[&str])] = &[
    (
        "Pregnancy",
        &[
            "36 weeks and so uncomfortable",
            "Anyone else due in the spring?",
            "Reduced movements - what did you do?",
            "Hospital bag essentials, what did you actually use?",
            "Morning sickness at 9 weeks, help",
            "Consultant-led or midwife-led unit?",
            "Telling work I'm pregnant",
            "Gestational diabetes diagnosis",
        ],
    ),
    (
        "Am I being unreasonable?",
        &[
            "AIBU to not invite MIL for Christmas?",
            "AIBU to think mufti days are a scam?",
            "to expect DH to do bedtime twice a week?",
            "AIBU about the birthday party invite list",
            "to be annoyed at the neighbour's parking?",
            "AIBU to want a lie-in on Mother's Day?",
            "to not lend my sister money again?",
            "AIBU - school pickup etiquette",
        ],
    ),
    (
        "Toddlers",
        &[
            "2yo will only eat beige food",
            "Tantrums at nursery drop-off",
            "Potty training in 3 days - really?",
            "Toddler climbing out of cot",
            "Best wellies for chunky feet?",
            "How much screen time do yours have?",
        ],
    ),
    (
        "Relationships",
        &[
            "DH never does the night feeds",
            "Feeling lonely since having the baby",
            "Is this normal after an argument?",
            "Separated and co-parenting over Christmas",
            "MIL keeps turning up unannounced",
        ],
    ),
    (
        "Chat",
        &[
            "What's everyone having for tea?",
            "Thread for the night feeds crew",
            "Tell me something good that happened today",
            "Strictly spoilers thread",
            "What are you reading this month?",
            "Post your best bargain",
        ],
    ),
    (
        "Special needs",
        &[
            "EHCP refused - next steps?",
            "Waiting list for ASD assessment",
            "DLA forms, any tips?",
            "Sensory-friendly days out",
            "Speech delay at 3",
        ],
    ),
    (
        "Local",
        &[
            "Good soft play near me?",
            "Baby groups on a Tuesday",
            "Recommendations for a childminder",
            "New to the area, mums meet-up?",
            "Anyone know a good cranial osteopath?",
        ],
    ),
    (
        "Food/recipes",
        &[
            "Batch cooking for the freezer",
            "Slow cooker recipes the kids will eat",
            "Weaning: purees or baby-led?",
            "Cheap family dinners under a fiver",
            "Birthday cake disasters",
        ],
    ),
    (
        "Sleep",
        &[
            "8 month sleep regression",
            "Contact naps only - help",
            "Early waking at 5am every day",
            "Moving to a big bed",
        ],
    ),
    (
        "Money matters",
        &[
            "Tax-free childcare vs vouchers",
            "Maternity pay calculator confusion",
            "Cost of nursery is eye-watering",
            "Universal Credit and childcare costs",
        ],
    ),
    (
        "Baby names",
        &[
            "Middle name for Arlo?",
            "Is Florence too old-fashioned?",
            "Names that go with our surname",
            "Regretting our baby's name",
        ],
    ),
    (
        "Education",
        &[
            "Primary school appeals",
            "Reception class settling in",
            "Tutoring for the 11+?",
            "Phonics homework tears",
        ],
    ),
];

pub const SENTENCES: &[&str] = &[
    "Honestly I'm at the end of my tether.",
    "We tried that last year and it made no difference.",
    "DD is nearly 3 and still wakes twice a night.",
    "Sending you a hug, it does get easier.",
    "I'd speak to your health visitor, ours was brilliant.",
    "YANBU, I'd be livid.",
    "YABU, sorry, but you did agree to it.",
    "Marking my place as I'm in the same boat.",
    "Our GP said it's completely normal at this age.",
    "Has anyone else had this?",
    "Thanks everyone, really appreciate the replies.",
    "We went with the cheaper one and honestly, no regrets.",
    "DS1 loved it, DS2 not so much.",
    "I work part-time, so Mondays and Fridays are chaos.",
    "Nursery fees went up again, £72 a day now!",
    "Grandparents help on Wednesdays, which is a lifesaver.",
    "It's 3am and I'm googling again, of course.",
    "Update: we saw the consultant and all is fine.",
    "Not sure if this is the right board, sorry.",
    "Please don't judge, I'm doing my best.",
    "My mum says \"you were exactly the same\", which doesn't help.",
    "Half term, rain, two bored kids: send help.",
    "We bought the travel system, the car seat, the lot.",
    "The waiting list is 18 months, apparently.",
    "Tea, biscuits and a good cry, then I felt better.",
    "Is it just me or is everything more expensive?",
];

pub const MARKUP_SNIPPETS: &[&str] = &[
    "<b>Edit:</b> thanks for all the replies!",
    "<i>so</i> tired",
    "<script>alert('hi')</script>",
    "<a href=\"http://example.com\">this link</a> helped",
    "&lt;3 love this forum & everyone on it",
    "<img src=x onerror=alert(1)>",
];

pub const PM_SUBJECTS: &[&str] = &[
    "Re: your post on the Local board",
    "Meet-up on Saturday?",
    "Thank you",
    "Pram for sale",
    "That thread earlier",
    "Quick question",
    "Re: Re: childminder recommendation",
];

pub const PM_BODIES: &[&str] = &[
    "Hi, saw your post and just wanted to say I've been there too. Happy to chat if it helps.",
    "Is the pram still available? I could collect at the weekend.",
    "Thanks so much for your message, it really helped.",
    "We're meeting at the park café at 10, come along!",
    "Sorry to message out of the blue, but which nursery did you go with?",
    "Don't worry about it, honestly. Take care x",
    "I've sent you the details, let me know if you need anything else.",
];

pub const SUPPORTER_BODIES: &[&str] = &[
    "Hello, I'm one of the Parent Supporters. I saw your post and wanted to check in - how are you doing today?",
    "It sounds like a really hard time. Your GP or health visitor can help, and the Samaritans are on 116 123 any time.",
    "Thank you for replying. You're doing so much better than you think.",
    "Just checking in after last week. Did you manage to speak to the school?",
];

pub const MODERATOR_BODIES: &[&str] = &[
    "Hi, we've removed your post as it broke our Talk guidelines on personal details. Thanks for understanding.",
    "We've had a report about your recent thread. It's fine to stay up, but please keep it civil.",
    "Your account has been temporarily suspended for repeated guideline breaches.",
    "Thanks for your report. We've looked into it and taken action.",
];

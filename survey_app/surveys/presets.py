"""Survey templates: the exit, loyalty and staff surveys, ready in four languages."""

Texts = dict[str, str]   # locale -> text

# French typography: a narrow no-break space (U+202F) precedes "?", written
# as "\u202f" below so that it stays visible in the source.

#: The reasons a new exit survey offers: every bucket covered, short enough to answer on a phone.
#: The whole catalogue stays available in each survey's settings.
_EXIT_REASONS: tuple[str, ...] = (
    "no_follow_up", "indifferent_staff", "rude_staff", "complaint_mishandled", "broken_promises",
    "poor_quality", "product_defects", "late_deliveries", "missing_features",
    "cheaper_elsewhere", "better_offer", "better_product",
    "other_supplier_relationship", "changed_habits",
    "moved", "closed_business", "no_longer_needed",
)
#: What a loyal customer may fear; nobody answers for their own death.
_LOYALTY_REASONS: tuple[str, ...] = (
    "indifferent_staff", "no_follow_up", "feedback_ignored", "complaint_mishandled", "hard_to_reach",
    "poor_quality", "outages", "late_deliveries", "missing_features",
    "cheaper_elsewhere", "better_offer", "better_product",
    "other_supplier_relationship", "changed_habits",
    "moved", "no_longer_needed",
)

#: kind -> template. Question types: main_reason, other_reasons, free_text, scale_0_10, yes_no, contact_consent.
PRESETS: dict[str, dict] = {
    "exit": {
        "title": {
            "en": "Why did you stop buying from us?",
            "fr": "Pourquoi avez-vous cessé d’acheter chez nous\u202f?",
            "pl": "Dlaczego przestali Państwo u nas kupować?",
            "ru": "Почему вы перестали у нас покупать?",
        },
        "intro": {
            "en": (
                "We noticed you haven't bought from us for a while, and we'd "
                "like to understand why. This survey takes about two minutes, "
                "and your honest answers will help us improve. Everything you "
                "tell us stays confidential."
            ),
            "fr": (
                "Nous avons remarqué que vous n’avez rien acheté chez nous "
                "depuis un moment, et nous aimerions en comprendre la raison. "
                "Ce questionnaire ne prend que deux minutes environ, et vos "
                "réponses sincères nous aideront à nous améliorer. Elles "
                "resteront strictement confidentielles."
            ),
            "pl": (
                "Zauważyliśmy, że od pewnego czasu nie robią Państwo u nas "
                "zakupów, i chcielibyśmy poznać przyczynę. Ankieta zajmie "
                "około dwóch minut, a szczere odpowiedzi pomogą nam działać "
                "lepiej. Wszystkie odpowiedzi są poufne."
            ),
            "ru": (
                "Мы заметили, что вы давно ничего у нас не покупали, и хотели "
                "бы узнать причину. Опрос займёт около двух минут, а ваши "
                "честные ответы помогут нам стать лучше. Все ответы "
                "конфиденциальны."
            ),
        },
        "thanks": {
            "en": (
                "Thank you for taking the time to answer. Your feedback helps "
                "us do better for every customer."
            ),
            "fr": (
                "Merci d’avoir pris le temps de répondre. Vos réponses nous "
                "aident à mieux servir tous nos clients."
            ),
            "pl": (
                "Dziękujemy za poświęcony czas. Państwa odpowiedzi pomogą nam "
                "lepiej dbać o wszystkich naszych klientów."
            ),
            "ru": (
                "Спасибо, что нашли время ответить. Ваши ответы помогут нам "
                "стать лучше для всех наших клиентов."
            ),
        },
        "reasons": _EXIT_REASONS,
        "questions": (
            {"type": "main_reason", "required": True, "text": {
                "en": "What was the main reason you stopped buying from us?",
                "fr": "Quelle est la principale raison pour laquelle vous avez cessé d’acheter chez nous\u202f?",
                "pl": "Jaki był główny powód rezygnacji z zakupów u nas?",
                "ru": "Какова главная причина, по которой вы перестали у нас покупать?",
            }},
            {"type": "other_reasons", "required": False, "text": {
                "en": "Did anything else play a part? Tick all that apply.",
                "fr": "D’autres raisons ont-elles joué un rôle\u202f? Cochez toutes les réponses pertinentes.",
                "pl": "Czy coś jeszcze wpłynęło na Państwa decyzję? Prosimy zaznaczyć wszystkie pasujące odpowiedzi.",
                "ru": "Что ещё повлияло на ваше решение? Отметьте все подходящие варианты.",
            }},
            {"type": "free_text", "required": False, "text": {
                "en": "What could we have done better?",
                "fr": "Qu’aurions-nous pu faire de mieux\u202f?",
                "pl": "Co mogliśmy zrobić lepiej?",
                "ru": "Что мы могли бы сделать лучше?",
            }},
            {"type": "scale_0_10", "required": False, "text": {
                "en": "How likely are you to buy from us again? (0 = not at all likely, 10 = extremely likely)",
                "fr": "Quelle est la probabilité que vous achetiez de nouveau chez nous\u202f? (0 = pas du tout probable, 10 = extrêmement probable)",
                "pl": "Na ile prawdopodobne jest, że znów zrobią Państwo u nas zakupy? (0 – zupełnie nieprawdopodobne, 10 – bardzo prawdopodobne)",
                "ru": "Насколько вероятно, что вы снова что-нибудь у нас купите? (0 — крайне маловероятно, 10 — весьма вероятно)",
            }},
            {"type": "contact_consent", "required": False, "text": {
                "en": "May we contact you about your answers?",
                "fr": "Pouvons-nous vous recontacter au sujet de vos réponses\u202f?",
                "pl": "Czy możemy skontaktować się z Państwem w sprawie udzielonych odpowiedzi?",
                "ru": "Можно ли связаться с вами по поводу ваших ответов?",
            }},
        ),
    },
    "loyalty": {
        "title": {
            "en": "What would make you leave us?",
            "fr": "Qu’est-ce qui vous ferait nous quitter\u202f?",
            "pl": "Co mogłoby skłonić Państwa do odejścia?",
            "ru": "Что могло бы побудить вас перейти к другому поставщику?",
        },
        "intro": {
            "en": (
                "Thank you for staying with us. We'd like to know what could "
                "make you consider leaving, so we can fix it before it ever "
                "happens. The survey takes about two minutes, and your answers "
                "are confidential."
            ),
            "fr": (
                "Merci de votre fidélité. Nous aimerions savoir ce qui pourrait "
                "vous amener à nous quitter, afin d’y remédier avant que cela "
                "n’arrive. Ce questionnaire prend environ deux minutes, et vos "
                "réponses resteront confidentielles."
            ),
            "pl": (
                "Dziękujemy, że są Państwo z nami. Chcielibyśmy wiedzieć, co "
                "mogłoby skłonić Państwa do odejścia, abyśmy mogli to naprawić, "
                "zanim do tego dojdzie. Ankieta zajmie około dwóch minut, a "
                "wszystkie odpowiedzi są poufne."
            ),
            "ru": (
                "Спасибо, что остаётесь с нами. Нам важно знать, что могло бы "
                "заставить вас задуматься о смене поставщика, чтобы мы успели это "
                "исправить заранее. Опрос займёт около двух минут, все ответы "
                "конфиденциальны."
            ),
        },
        "thanks": {
            "en": (
                "Thank you for your answers, and for your loyalty. We'll use "
                "what you've told us to keep earning your trust."
            ),
            "fr": (
                "Merci pour vos réponses et pour votre fidélité. Nous nous en "
                "servirons pour continuer à mériter votre confiance."
            ),
            "pl": (
                "Dziękujemy za odpowiedzi i za to, że są Państwo z nami. "
                "Zrobimy wszystko, by nadal zasługiwać na Państwa zaufanie."
            ),
            "ru": (
                "Спасибо за ответы и за то, что вы с нами. Мы сделаем всё, чтобы "
                "и дальше оправдывать ваше доверие."
            ),
        },
        "reasons": _LOYALTY_REASONS,
        "questions": (
            {"type": "main_reason", "required": True, "text": {
                "en": "What would be most likely to make you leave us?",
                "fr": "Quelle raison serait la plus susceptible de vous faire nous quitter\u202f?",
                "pl": "Co najprawdopodobniej skłoniłoby Państwa do odejścia?",
                "ru": "Какая причина вероятнее всего побудила бы вас перейти к другому поставщику?",
            }},
            {"type": "other_reasons", "required": False, "text": {
                "en": "What else could make you consider leaving? Tick all that apply.",
                "fr": "Qu’est-ce qui pourrait encore vous inciter à nous quitter\u202f? Cochez toutes les réponses pertinentes.",
                "pl": "Co jeszcze mogłoby skłonić Państwa do rozważenia odejścia? Prosimy zaznaczyć wszystkie pasujące odpowiedzi.",
                "ru": "Что ещё могло бы заставить вас задуматься о смене поставщика? Отметьте все подходящие варианты.",
            }},
            {"type": "free_text", "required": False, "text": {
                "en": "What should we improve first?",
                "fr": "Que devrions-nous améliorer en priorité\u202f?",
                "pl": "Co powinniśmy poprawić w pierwszej kolejności?",
                "ru": "Что нам стоит улучшить в первую очередь?",
            }},
            {"type": "scale_0_10", "required": False, "text": {
                "en": "How likely are you to recommend us to a friend or colleague? (0 = not at all likely, 10 = extremely likely)",
                "fr": "Quelle est la probabilité que vous nous recommandiez à un ami ou à un collègue\u202f? (0 = pas du tout probable, 10 = extrêmement probable)",
                "pl": "Na ile prawdopodobne jest, że polecą nas Państwo znajomemu lub współpracownikowi? (0 – zupełnie nieprawdopodobne, 10 – bardzo prawdopodobne)",
                "ru": "Насколько вероятно, что вы порекомендуете нас другу или коллеге? (0 — крайне маловероятно, 10 — весьма вероятно)",
            }},
            {"type": "contact_consent", "required": False, "text": {
                "en": "May we contact you about your answers?",
                "fr": "Pouvons-nous vous recontacter au sujet de vos réponses\u202f?",
                "pl": "Czy możemy skontaktować się z Państwem w sprawie udzielonych odpowiedzi?",
                "ru": "Можно ли связаться с вами по поводу ваших ответов?",
            }},
        ),
    },
    "staff": {
        # The team's beliefs: the exit survey's reasons, anonymous, answered through the public link.
        "title": {
            "en": "Why do you think our customers leave?",
            "fr": "Selon vous, pourquoi nos clients nous quittent-ils\u202f?",
            "pl": "Dlaczego Państwa zdaniem klienci od nas odchodzą?",
            "ru": "Как вы думаете, почему клиенты от нас уходят?",
        },
        "intro": {
            "en": (
                "We are asking everyone on the team why they think customers "
                "stop buying from us. There are no right or wrong answers: we "
                "will compare what the team believes with what customers tell "
                "us themselves. The survey is anonymous and takes about a minute."
            ),
            "fr": (
                "Nous demandons à chaque membre de l’équipe pourquoi, selon lui, "
                "des clients cessent d’acheter chez nous. Il n’y a ni bonne ni "
                "mauvaise réponse\u202f: nous comparerons l’avis de l’équipe avec "
                "ce que les clients nous disent eux-mêmes. Ce questionnaire est "
                "anonyme et ne prend qu’une minute environ."
            ),
            "pl": (
                "Pytamy cały zespół, dlaczego Państwa zdaniem klienci przestają "
                "u nas kupować. Nie ma tu dobrych ani złych odpowiedzi: "
                "porównamy opinie zespołu z tym, co mówią nam sami klienci. "
                "Ankieta jest anonimowa i zajmie około minuty."
            ),
            "ru": (
                "Мы спрашиваем всех сотрудников, почему, по их мнению, клиенты "
                "перестают у нас покупать. Правильных и неправильных ответов "
                "здесь нет: мы сравним мнение команды с тем, что говорят сами "
                "клиенты. Опрос анонимный и займёт около минуты."
            ),
        },
        "thanks": {
            "en": (
                "Thank you! Your answer is anonymous. We will share the results "
                "with the team, next to what customers told us."
            ),
            "fr": (
                "Merci\u202f! Votre réponse est anonyme. Nous présenterons les "
                "résultats à l’équipe, à côté de ce que les clients nous ont dit."
            ),
            "pl": (
                "Dziękujemy! Odpowiedź jest anonimowa. Wyniki przedstawimy "
                "zespołowi razem z tym, co powiedzieli nam klienci."
            ),
            "ru": (
                "Спасибо! Ваш ответ анонимен. Результаты мы покажем команде "
                "вместе с тем, что рассказали нам клиенты."
            ),
        },
        "reasons": _EXIT_REASONS,
        "questions": (
            {"type": "main_reason", "required": True, "text": {
                "en": "In your view, what is the main reason customers stop buying from us?",
                "fr": "Selon vous, quelle est la principale raison pour laquelle des clients cessent d’acheter chez nous\u202f?",
                "pl": "Jaki jest Państwa zdaniem główny powód, dla którego klienci przestają u nas kupować?",
                "ru": "Как вы считаете, какова главная причина, по которой клиенты перестают у нас покупать?",
            }},
            {"type": "other_reasons", "required": False, "text": {
                "en": "What else do you think plays a part? Tick all that apply.",
                "fr": "Quelles autres raisons jouent un rôle, selon vous\u202f? Cochez toutes les réponses pertinentes.",
                "pl": "Co jeszcze Państwa zdaniem ma na to wpływ? Prosimy zaznaczyć wszystkie pasujące odpowiedzi.",
                "ru": "Что ещё, на ваш взгляд, играет роль? Отметьте все подходящие варианты.",
            }},
            {"type": "free_text", "required": False, "text": {
                "en": "What should we change first to keep more customers?",
                "fr": "Que devrions-nous changer en priorité pour garder davantage de clients\u202f?",
                "pl": "Co powinniśmy zmienić w pierwszej kolejności, aby zatrzymać więcej klientów?",
                "ru": "Что нам стоит изменить в первую очередь, чтобы удерживать больше клиентов?",
            }},
        ),
    },
}

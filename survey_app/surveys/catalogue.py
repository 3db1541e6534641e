"""The default reason catalogue: stable codes, their bucket, labels in four languages."""

#: (code, bucket, {locale: label}) in display order.
#:
#: Labels are short noun phrases (no final period) so that they read well
#: both as answers to "Why did you stop buying from us?" (exit survey) and to
#: "What would most likely make you leave us?" (loyalty survey).
REASONS: tuple[tuple[str, str, dict[str, str]], ...] = (
    # --- indifference: the company stopped caring -------------------------
    ("rude_staff", "indifference", {
        "en": "Rude or unhelpful staff",
        "fr": "Personnel impoli ou peu serviable",
        "pl": "Nieuprzejma lub niepomocna obsługa",
        "ru": "Грубый или неотзывчивый персонал",
    }),
    ("indifferent_staff", "indifference", {
        "en": "Indifferent or uninterested staff",
        "fr": "Personnel indifférent ou peu impliqué",
        "pl": "Obojętny, niezaangażowany personel",
        "ru": "Равнодушное отношение сотрудников",
    }),
    ("no_follow_up", "indifference", {
        "en": "No follow-up after the sale",
        "fr": "Aucun suivi après la vente",
        "pl": "Brak kontaktu ani wsparcia po zakupie",
        "ru": "Отсутствие поддержки после покупки",
    }),
    ("feedback_ignored", "indifference", {
        "en": "Our feedback being ignored",
        "fr": "Remarques et suggestions laissées sans suite",
        "pl": "Ignorowanie naszych uwag i sugestii",
        "ru": "Игнорирование наших отзывов и пожеланий",
    }),
    ("complaint_mishandled", "indifference", {
        "en": "A complaint handled badly",
        "fr": "Réclamation mal traitée",
        "pl": "Źle rozpatrzona reklamacja lub skarga",
        "ru": "Неудовлетворительное рассмотрение жалобы",
    }),
    ("broken_promises", "indifference", {
        "en": "Broken promises or misleading information",
        "fr": "Promesses non tenues ou informations trompeuses",
        "pl": "Niedotrzymane obietnice lub wprowadzające w błąd informacje",
        "ru": "Невыполненные обещания или информация, вводящая в заблуждение",
    }),
    ("dropped_for_bigger_client", "indifference", {
        "en": "Being dropped in favour of bigger clients",
        "fr": "Priorité donnée à des clients plus importants",
        "pl": "Faworyzowanie większych klientów naszym kosztem",
        "ru": "Пренебрежение нами в пользу более крупных клиентов",
    }),
    ("sales_pressure", "indifference", {
        "en": "Sales pressure instead of real choice",
        "fr": "Pression commerciale au lieu d’un vrai choix",
        "pl": "Presja sprzedażowa zamiast realnego wyboru",
        "ru": "Давление со стороны продавцов вместо свободного выбора",
    }),
    ("recurring_annoyances", "indifference", {
        "en": "Small annoyances that keep adding up",
        "fr": "Petits désagréments à répétition",
        "pl": "Drobne, powtarzające się niedogodności",
        "ru": "Постоянные мелкие неудобства",
    }),
    ("hard_to_reach", "indifference", {
        "en": "Difficulty reaching anyone",
        "fr": "Difficulté à joindre un interlocuteur",
        "pl": "Trudności z uzyskaniem kontaktu",
        "ru": "Сложности с тем, чтобы связаться с сотрудниками",
    }),
    # --- dissatisfaction: the product or service --------------------------
    ("product_defects", "dissatisfaction", {
        "en": "Defects or errors in the product",
        "fr": "Défauts ou erreurs du produit",
        "pl": "Wady lub błędy produktu",
        "ru": "Дефекты или ошибки в продукте",
    }),
    ("poor_quality", "dissatisfaction", {
        "en": "Poor quality",
        "fr": "Mauvaise qualité",
        "pl": "Niska jakość",
        "ru": "Низкое качество",
    }),
    ("late_deliveries", "dissatisfaction", {
        "en": "Late deliveries",
        "fr": "Retards de livraison",
        "pl": "Opóźnienia w dostawach",
        "ru": "Задержки с доставкой",
    }),
    ("outages", "dissatisfaction", {
        "en": "Outages or unreliable service",
        "fr": "Pannes ou service peu fiable",
        "pl": "Przerwy w działaniu lub zawodność usługi",
        "ru": "Сбои или ненадёжная работа сервиса",
    }),
    ("outdated_product", "dissatisfaction", {
        "en": "An outdated product",
        "fr": "Produit dépassé",
        "pl": "Przestarzały produkt",
        "ru": "Устаревший продукт",
    }),
    ("missing_features", "dissatisfaction", {
        "en": "Missing features we need",
        "fr": "Absence de fonctionnalités dont nous avons besoin",
        "pl": "Brak potrzebnych nam funkcji",
        "ru": "Отсутствие нужных нам функций",
    }),
    ("expectations_not_met", "dissatisfaction", {
        "en": "Expectations not met",
        "fr": "Attentes non satisfaites",
        "pl": "Niespełnione oczekiwania",
        "ru": "Несоответствие ожиданиям",
    }),
    # --- competitor -------------------------------------------------------
    ("cheaper_elsewhere", "competitor", {
        "en": "A lower price elsewhere",
        "fr": "Prix plus bas ailleurs",
        "pl": "Niższa cena gdzie indziej",
        "ru": "Более низкая цена в другом месте",
    }),
    ("better_offer", "competitor", {
        "en": "A better offer from a competitor",
        "fr": "Offre plus intéressante chez un concurrent",
        "pl": "Korzystniejsza oferta konkurencji",
        "ru": "Более выгодное предложение конкурента",
    }),
    ("better_product", "competitor", {
        "en": "A better product from a competitor",
        "fr": "Meilleur produit chez un concurrent",
        "pl": "Lepszy produkt konkurencji",
        "ru": "Более качественный продукт у конкурента",
    }),
    # --- relationship: another supplier, changed habits -------------------
    ("other_supplier_relationship", "relationship", {
        "en": "A relationship with another supplier",
        "fr": "Relation privilégiée avec un autre fournisseur",
        "pl": "Dobre relacje z innym dostawcą",
        "ru": "Налаженные отношения с другим поставщиком",
    }),
    ("changed_habits", "relationship", {
        "en": "A change in our habits or way of buying",
        "fr": "Changement dans nos habitudes ou notre façon d’acheter",
        "pl": "Zmiana naszych nawyków lub sposobu kupowania",
        "ru": "Изменение наших привычек или того, как мы делаем покупки",
    }),
    ("recommended_elsewhere", "relationship", {
        "en": "A recommendation for another supplier from someone we trust",
        "fr": "Recommandation d’un autre fournisseur par une personne de confiance",
        "pl": "Polecenie innego dostawcy przez kogoś, komu ufamy",
        "ru": "Рекомендация другого поставщика от человека, которому мы доверяем",
    }),
    # --- circumstances ----------------------------------------------------
    ("moved", "circumstances", {
        "en": "Moving away",
        "fr": "Déménagement",
        "pl": "Przeprowadzka",
        "ru": "Переезд",
    }),
    ("closed_business", "circumstances", {
        "en": "Closure or bankruptcy of our business",
        "fr": "Fermeture ou faillite de notre entreprise",
        "pl": "Zamknięcie lub upadłość naszej firmy",
        "ru": "Закрытие или банкротство нашей компании",
    }),
    ("no_longer_needed", "circumstances", {
        "en": "No longer needing the product or service",
        "fr": "Plus besoin du produit ou du service",
        "pl": "Brak dalszej potrzeby korzystania z produktu lub usługi",
        "ru": "Отсутствие потребности в продукте или услуге",
    }),
    ("deceased", "circumstances", {
        "en": "Death of the account holder",
        "fr": "Décès du titulaire du compte",
        "pl": "Śmierć posiadacza konta",
        "ru": "Смерть владельца аккаунта",
    }),
)

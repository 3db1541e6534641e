"""Demo data: customer names and free-text answers in four languages (written for the demo)."""

#: locale -> list of (name, email local part) for demo customers; 12 per locale, realistic
#: person or small-business names typical of that country (fr: French, pl: Polish with diacritics,
#: ru: Russian in Cyrillic, with Latin-letter email local parts; en: British/American).
CUSTOMERS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("Oliver Bennett", "oliver.bennett"),
        ("Emily Carter", "emily.carter"),
        ("Harrington & Sons Ltd", "accounts.harrington"),
        ("James O'Connor", "james.oconnor"),
        ("Sophie Walsh", "sophie.walsh"),
        ("Daniel Reyes", "dan.reyes"),
        ("Maple Street Bakery", "hello.maplestreet"),
        ("Charlotte Hughes", "c.hughes"),
        ("Michael Thompson", "mike.thompson"),
        ("Greenfield Garden Centre", "info.greenfield"),
        ("Ashley Morgan", "ashley.morgan"),
        ("Thomas Whitaker", "tom.whitaker"),
    ],
    "fr": [
        ("Élodie Marchand", "elodie.marchand"),
        ("François Lefèvre", "francois.lefevre"),
        ("Boulangerie Dupré", "contact.dupre"),
        ("Hélène Rousseau", "helene.rousseau"),
        ("Jérôme Gauthier", "jerome.gauthier"),
        ("Amélie Fontaine", "amelie.fontaine"),
        ("Garage Lemaître", "garage.lemaitre"),
        ("Céline Bonnet", "celine.bonnet"),
        ("Benoît Mercier", "benoit.mercier"),
        ("Maëlle Girard", "maelle.girard"),
        ("Cabinet Perrin & Associés", "cabinet.perrin"),
        ("Loïc Chevalier", "loic.chevalier"),
    ],
    "pl": [
        ("Zofia Wiśniewska", "zofia.wisniewska"),
        ("Łukasz Żółkowski", "lukasz.zolkowski"),
        ("Małgorzata Kowalczyk", "m.kowalczyk"),
        ("Grzegorz Dąbrowski", "grzegorz.dabrowski"),
        ("Piekarnia „Pod Złotym Kłosem”", "piekarnia.zlotyklos"),
        ("Agnieszka Szymańska", "agnieszka.szymanska"),
        ("Paweł Wójcik", "pawel.wojcik"),
        ("Katarzyna Jabłońska", "kasia.jablonska"),
        ("Jędrzej Kaczmarek", "jedrzej.kaczmarek"),
        ("Usługi Remontowe Górecki", "biuro.gorecki"),
        ("Bożena Pietrzak", "bozena.pietrzak"),
        ("Michał Zieliński", "michal.zielinski"),
    ],
    "ru": [
        ("Анна Смирнова", "anna.smirnova"),
        ("Дмитрий Кузнецов", "d.kuznetsov"),
        ("Екатерина Волкова", "ekaterina.volkova"),
        ("Сергей Павлов", "sergey.pavlov"),
        ("ООО «Северный ветер»", "info.severveter"),
        ("Ольга Соколова", "olga.sokolova"),
        ("Алексей Морозов", "alexey.morozov"),
        ("Наталья Лебедева", "natalya.lebedeva"),
        ("ИП Фёдоров А. В.", "fedorov.ip"),
        ("Мария Новикова", "maria.novikova"),
        ("Игорь Васильев", "igor.vasilyev"),
        ("Юлия Попова", "yulia.popova"),
    ],
}

#: locale -> bucket -> free-text answers to "What could we have done better?" from customers who left.
EXIT_TEXTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "indifference": [
            "The price was fine, but nobody called back after I reported the problem.",
            "Once the contract was signed you simply disappeared. No follow-up, no check-in, nothing.",
            "Your support agent was rude to me on the phone and acted like I was wasting his time. I don't need that.",
            "i complained three times and got the same copy-paste reply every time",
            "You promised a discount at renewal and then pretended the conversation never happened. That was the last straw.",
            "As soon as a bigger client came along, our account manager stopped replying. Every call after that was a sales pitch, never actual help.",
        ],
        "dissatisfaction": [
            "The product kept breaking. Third replacement in six months.",
            "Deliveries were late almost every single time, and we had customers waiting on us.",
            "Too many outages. When the system is down for half a day, we can't work.",
            "honestly the quality just wasn't there anymore",
            "It felt outdated compared to what's out there now. The app hasn't really changed in years and still has no proper export.",
            "Staff were always friendly, I'll give you that, but the service simply didn't do what we were told it would do during the demo.",
        ],
        "competitor": [
            "Found the same thing for about 30% less.",
            "Another provider offered us a better deal with free installation and a longer warranty.",
            "No hard feelings, their product is just better for what we need.",
            "your prices went up again this year and theirs didn't. simple as that",
            "We got a quote from a competitor that included support and training at no extra cost. You couldn't match it.",
            "I wasn't unhappy with you, but the other company's app is faster, cleaner and does everything yours does plus a few things I actually use.",
        ],
        "relationship": [
            "My brother-in-law runs a similar business, so we moved everything over to him.",
            "We've gone back to the supplier we used years ago. We know the people there personally.",
            "Our new manager had a long-standing relationship with another vendor and wanted to keep working with them.",
            "just got used to doing it myself, don't really need a service for it anymore",
            "Nothing wrong on your side. We started buying everything through one wholesaler to keep things simple.",
            "I started shopping locally instead of ordering online. It's more of a lifestyle change than anything you did.",
        ],
        "circumstances": [
            "We moved to another city and you don't cover our area.",
            "The shop closed down in March. Thanks for everything.",
            "I retired, so I don't need it anymore.",
            "company went into administration, sorry",
            "We've relocated abroad. If you ever operate in Spain, I'd happily come back.",
            "The project we used your service for has ended and there's nothing to replace it for now. No complaints at all, the service was good.",
        ],
    },
    "fr": {
        "indifference": [
            "Le prix était correct, mais personne ne m'a jamais rappelé.",
            "Une fois le contrat signé, plus aucune nouvelle. Pas un appel, pas un mail, rien.",
            "La personne au téléphone a été franchement désagréable. On ne parle pas comme ça à un client.",
            "jai fait une reclamation et on ma repondu 3 semaines apres avec un message automatique",
            "On m'avait promis un geste commercial au renouvellement. Au final, rien, et on m'a soutenu que personne ne m'avait rien promis.",
            "Dès qu'un plus gros client est arrivé, notre interlocuteur ne répondait plus. On a bien compris qu'on ne comptait plus pour vous.",
        ],
        "dissatisfaction": [
            "Produit défectueux à deux reprises. Ça commence à faire beaucoup.",
            "Les livraisons arrivaient systématiquement en retard, parfois avec une semaine de décalage.",
            "Trop de pannes. Quand le service est coupé une demi-journée, toute notre activité s'arrête.",
            "qualité en baisse depuis un an, c'est dommage",
            "Votre logiciel n'a pas évolué depuis des années. Il manque des fonctions de base comme l'export en PDF.",
            "Honnêtement, je m'attendais à mieux vu ce qui nous avait été présenté lors de la démonstration. Le résultat n'était pas à la hauteur.",
        ],
        "competitor": [
            "J'ai trouvé moins cher ailleurs, tout simplement.",
            "Un concurrent nous a proposé une offre plus complète, avec l'installation et la maintenance incluses.",
            "Rien contre vous, mais leur produit est plus adapté à nos besoins.",
            "vos tarifs ont encore augmenté, pas les leurs",
            "On m'a fait une proposition à 25 % de moins pour le même service. Je vous ai demandé si vous pouviez vous aligner, vous avez refusé.",
            "L'application de l'autre prestataire est plus rapide, plus simple, et elle fait tout ce que fait la vôtre. Difficile de justifier la différence de prix.",
        ],
        "relationship": [
            "Mon beau-frère a ouvert une entreprise du même type, on est passés chez lui.",
            "Nous sommes retournés chez notre ancien fournisseur, on connaît l'équipe depuis quinze ans.",
            "Notre nouvelle directrice travaillait déjà avec un autre prestataire et a souhaité le garder.",
            "je fais ça moi-même maintenant, plus besoin",
            "Nous avons regroupé tous nos achats chez un seul grossiste pour simplifier la gestion. Rien à voir avec la qualité de votre travail.",
            "J'ai pris l'habitude d'acheter chez les commerçants du quartier plutôt qu'en ligne.",
        ],
        "circumstances": [
            "Nous avons déménagé en Bretagne et vous ne livrez pas dans notre secteur.",
            "Le magasin a fermé ses portes fin mars. Merci pour tout.",
            "Je suis parti à la retraite, je n'en ai plus l'utilité.",
            "liquidation judiciaire le mois dernier, desole",
            "Nous partons vivre au Canada. Si un jour vous y proposez vos services, je reviendrai avec plaisir.",
            "Le projet pour lequel on utilisait votre service est terminé. Aucun reproche, tout s'est très bien passé.",
        ],
    },
    "pl": {
        "indifference": [
            "Cena była w porządku, ale nikt do mnie nie oddzwonił po zgłoszeniu problemu.",
            "Po podpisaniu umowy kontakt się urwał. Zero telefonów, zero maili, nic.",
            "Konsultantka na infolinii była po prostu niemiła. Tak się nie rozmawia z klientem.",
            "zlozylam reklamacje i po 3 tygodniach dostalam automatyczna odpowiedz",
            "Obiecano mi rabat przy przedłużeniu umowy, a potem wszyscy udawali, że takiej rozmowy nie było. To przelało czarę goryczy.",
            "Ciągle ktoś dzwonił z kolejną ofertą, zamiast pomóc mi z tym, co już kupiłem. Mam dość wciskania usług na siłę.",
        ],
        "dissatisfaction": [
            "Towar przyszedł uszkodzony już drugi raz.",
            "Dostawy prawie zawsze były spóźnione, czasem nawet o tydzień.",
            "Za dużo awarii. Jak system nie działa pół dnia, cała firma stoi.",
            "jakosc sie mocno pogorszyla w ostatnim roku",
            "Aplikacja wygląda jak sprzed dziesięciu lat i wciąż nie ma tak podstawowej funkcji jak eksport do PDF.",
            "Szczerze mówiąc, spodziewałem się znacznie więcej po tym, co pokazano nam na prezentacji. Efekt nie był nawet blisko obietnic.",
        ],
        "competitor": [
            "Znalazłam dokładnie to samo, tylko taniej.",
            "Konkurencja zaproponowała nam lepsze warunki: montaż i serwis w cenie.",
            "Nic do Państwa nie mam, po prostu ich produkt lepiej pasuje do naszych potrzeb.",
            "znowu podnieśliście ceny, a oni nie",
            "Dostałem ofertę o 25% tańszą za dokładnie ten sam zakres usług. Zapytałem, czy możecie zejść z ceny, ale odmówiliście.",
            "Aplikacja innej firmy jest szybsza i prostsza w obsłudze, a robi wszystko to, co Państwa. Trudno mi było uzasadnić wyższą cenę.",
        ],
        "relationship": [
            "Szwagier otworzył podobną firmę, więc przeszliśmy do niego.",
            "Wróciliśmy do dawnego dostawcy, znamy się z nimi od lat.",
            "Nowy prezes od dawna współpracuje z inną firmą i chciał przy niej zostać.",
            "teraz robie to sam, nie potrzebuje juz tej uslugi",
            "Postanowiliśmy kupować wszystko u jednego hurtownika, żeby było prościej. To nie ma nic wspólnego z jakością Państwa pracy.",
            "Przyzwyczaiłam się do robienia zakupów w osiedlowych sklepach zamiast przez internet.",
        ],
        "circumstances": [
            "Przeprowadziliśmy się do Gdańska, a tam Państwo nie dowożą.",
            "Sklep został zamknięty z końcem marca. Dziękuję za współpracę.",
            "Przeszedłem na emeryturę, więc już tego nie potrzebuję.",
            "firma ogłosiła upadłość, przykro mi",
            "Wyjeżdżamy na stałe do Norwegii. Jeśli kiedyś będziecie tam działać, chętnie wrócę.",
            "Projekt, do którego korzystaliśmy z Państwa usługi, właśnie się zakończył. Nie mam żadnych zastrzeżeń, wszystko działało bardzo dobrze.",
        ],
    },
    "ru": {
        "indifference": [
            "Цена устраивала, но никто так и не перезвонил после моей жалобы.",
            "После подписания договора вы просто пропали. Ни звонка, ни письма, ничего.",
            "Оператор на горячей линии разговаривал со мной грубо, как будто я отнимаю у него время.",
            "написала жалобу, через три недели пришла автоматическая отписка",
            "Обещали скидку при продлении, а потом сделали вид, что такого разговора не было. Это стало последней каплей.",
            "Как только появился клиент покрупнее, наш менеджер перестал отвечать. Стало понятно, что мы вам больше не интересны.",
        ],
        "dissatisfaction": [
            "Товар второй раз пришёл бракованным.",
            "Доставка почти всегда опаздывала, иногда на неделю.",
            "Слишком много сбоев. Когда система лежит полдня, у нас встаёт вся работа.",
            "качество за последний год сильно упало",
            "Приложение выглядит так, будто его не обновляли лет десять, и в нём до сих пор нет даже выгрузки в PDF.",
            "Честно говоря, после презентации я ожидал гораздо большего. На деле сервис не делал и половины того, что нам обещали.",
        ],
        "competitor": [
            "Нашёл то же самое дешевле.",
            "Другая компания предложила условия получше: установка и обслуживание включены в стоимость.",
            "Ничего личного, просто их продукт лучше подходит под наши задачи.",
            "вы опять подняли цены, а они нет",
            "Мне предложили тот же объём услуг на 25% дешевле. Я спросил, можете ли вы снизить цену, но вы отказали.",
            "У другого поставщика приложение быстрее и удобнее, а умеет всё то же самое, что и ваше. Переплачивать не было смысла.",
        ],
        "relationship": [
            "Шурин открыл похожую фирму, так что мы перешли к нему.",
            "Вернулись к прежнему поставщику, мы с ними давно знакомы.",
            "Новый директор много лет работает с другой компанией и решил остаться с ними.",
            "теперь делаю это сам, услуга больше не нужна",
            "Решили закупать всё у одного оптовика, так проще вести учёт. К качеству вашей работы это отношения не имеет.",
            "Привыкла ходить в магазины у дома вместо того, чтобы заказывать онлайн.",
        ],
        "circumstances": [
            "Мы переехали в Казань, а туда вы не доставляете.",
            "Магазин закрылся в конце марта. Спасибо за сотрудничество.",
            "Вышел на пенсию, больше не нужно.",
            "компания обанкротилась весной, так что извините",
            "Мы уезжаем жить за границу. Если когда-нибудь начнёте там работать, с удовольствием вернусь.",
            "Проект, для которого мы пользовались вашим сервисом, завершён. Претензий никаких, всё работало отлично.",
        ],
    },
}

#: locale -> bucket -> free-text answers to "What should we improve first?" from loyal customers
#: (what would make them leave).
LOYALTY_TEXTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "indifference": [
            "If I ever get treated the way I was on the phone last month, I'm gone. Train your support team.",
            "Answer emails. Sometimes I wait a week for a reply, and it makes me feel like you don't care.",
            "please stop calling me with upsell offers, I'll ask if I need something",
            "Keep your promises. When you say someone will call back tomorrow, make sure they do. Being ignored is what would make me leave.",
        ],
        "dissatisfaction": [
            "Fix the delivery times. The product is great, but late deliveries are getting hard to explain to my own customers.",
            "Stability. One more outage like the one in spring and we'll have to start looking elsewhere.",
            "the mobile app is really outdated, needs a proper update",
            "Quality has been slipping lately. The last two batches weren't as good as they used to be.",
        ],
        "competitor": [
            "Keep prices reasonable. If someone offers the same for much less, I'd have to consider it.",
            "Competitors are adding features fast. Don't fall behind.",
            "I'm not going anywhere for now, but I get offers from other suppliers every month, and some of them are tempting.",
            "price, thats it really. nothing else",
        ],
        "relationship": [
            "If our account manager Sarah left, I'm honestly not sure we'd stay. She's the reason we're here.",
            "Keep the personal touch. We stay because we know the people, not because of the contract.",
            "Nothing really, it's more about how we work. If we start doing it in-house, we won't need you.",
            "My partner keeps suggesting we go with her cousin's company. Give me a reason to keep saying no.",
        ],
        "circumstances": [
            "Only thing that would make me leave is moving away. Please expand your delivery area.",
            "We're thinking about downsizing next year. A smaller, cheaper plan would help us stay.",
            "nothing, unless we close the business",
            "If I stop needing it, I suppose. Maybe offer a pause option instead of cancelling outright.",
        ],
    },
    "fr": {
        "indifference": [
            "Répondre aux mails. Parfois j'attends une semaine, et on a l'impression de ne pas compter.",
            "Arrêtez de m'appeler pour me vendre des options dont je n'ai pas besoin. Si ça continue, je pars.",
            "si on me reparle comme la derniere fois au service client, je m'en vais",
            "Tenez vos promesses. Quand on me dit qu'on me rappelle demain, j'aimerais qu'on me rappelle vraiment.",
        ],
        "dissatisfaction": [
            "Les délais de livraison. Le produit est bon, mais les retards deviennent difficiles à justifier auprès de mes propres clients.",
            "La fiabilité. Encore une panne comme celle du printemps et on cherchera ailleurs.",
            "l'appli mobile est vieillotte, il faudrait la moderniser",
            "La qualité a un peu baissé ces derniers temps, faites attention.",
        ],
        "competitor": [
            "Gardez des prix raisonnables. Si quelqu'un propose la même chose pour beaucoup moins cher, je devrai y réfléchir.",
            "Vos concurrents ajoutent des fonctionnalités très vite. Ne prenez pas de retard.",
            "Je reçois régulièrement des offres d'autres fournisseurs, et certaines sont tentantes. Pour l'instant je reste.",
            "le prix, c'est vraiment tout ce qui compte",
        ],
        "relationship": [
            "Si Julien, notre commercial, partait, je ne suis pas sûre qu'on resterait. C'est grâce à lui qu'on est là.",
            "Gardez le contact humain. On reste parce qu'on connaît les gens, pas pour le contrat.",
            "Rien de particulier. Si on internalise cette activité, on n'aura simplement plus besoin de vous.",
            "Mon associé aimerait travailler avec l'entreprise de son cousin. Donnez-moi des arguments pour rester.",
        ],
        "circumstances": [
            "La seule chose qui me ferait partir, c'est un déménagement. Élargissez votre zone de livraison !",
            "On envisage de réduire l'activité l'an prochain. Une formule plus petite et moins chère nous aiderait à rester.",
            "rien, sauf si on ferme boutique",
            "Proposez une option de pause plutôt qu'une résiliation, pour les périodes où on n'en a pas besoin.",
        ],
    },
    "pl": {
        "indifference": [
            "Odpowiadajcie na maile. Czasem czekam tydzień i mam wrażenie, że nikogo to nie obchodzi.",
            "Przestańcie do mnie dzwonić z ofertami dodatkowych pakietów. Jeśli będę czegoś potrzebować, sama się odezwę.",
            "jak jeszcze raz ktos mnie tak potraktuje na infolinii to odchodze",
            "Dotrzymujcie słowa. Jeśli ktoś obiecuje, że oddzwoni jutro, niech naprawdę oddzwoni.",
        ],
        "dissatisfaction": [
            "Terminy dostaw. Produkt jest dobry, ale opóźnienia coraz trudniej tłumaczyć moim klientom.",
            "Stabilność systemu. Jeszcze jedna awaria jak ta wiosną i zaczniemy szukać czegoś innego.",
            "aplikacja mobilna jest przestarzała, przydałaby się porządna aktualizacja",
            "Jakość ostatnio trochę spadła. Ostatnie dwie dostawy nie były tak dobre jak kiedyś.",
        ],
        "competitor": [
            "Utrzymajcie rozsądne ceny. Jeśli ktoś zaoferuje to samo znacznie taniej, będę musiał się zastanowić.",
            "Konkurencja szybko dodaje nowe funkcje. Nie zostańcie w tyle.",
            "Co miesiąc dostaję oferty od innych dostawców i niektóre są kuszące. Na razie zostaję.",
            "cena, nic więcej mnie nie interesuje",
        ],
        "relationship": [
            "Gdyby odeszła nasza opiekunka, pani Ania, nie wiem, czy byśmy zostali. To dzięki niej tu jesteśmy.",
            "Nie traćcie tego osobistego kontaktu. Zostajemy, bo znamy ludzi, a nie z powodu umowy.",
            "Właściwie nic. Jeśli zaczniemy robić to we własnym zakresie, po prostu przestaniemy Was potrzebować.",
            "Wspólnik namawia mnie na firmę swojego kuzyna. Dajcie mi powód, żebym dalej mówił nie.",
        ],
        "circumstances": [
            "Odejdę tylko wtedy, gdy się przeprowadzę. Rozszerzcie obszar dostaw!",
            "W przyszłym roku planujemy ograniczyć działalność. Mniejszy i tańszy pakiet pomógłby nam zostać.",
            "nic, chyba że zamkniemy firmę",
            "Przydałaby się opcja zawieszenia usługi zamiast rezygnacji na okresy, kiedy jej nie potrzebuję.",
        ],
    },
    "ru": {
        "indifference": [
            "Отвечайте на письма. Иногда жду ответа неделю, и складывается впечатление, что всем всё равно.",
            "Перестаньте звонить мне с предложениями дополнительных тарифов. Если что-то понадобится, я сама напишу.",
            "если еще раз со мной так поговорят на горячей линии, уйду",
            "Держите слово. Если обещали перезвонить завтра, пусть действительно перезвонят.",
        ],
        "dissatisfaction": [
            "Сроки доставки. Продукт хороший, но объяснять задержки своим клиентам становится всё труднее.",
            "Стабильность. Ещё один сбой, как весной, и мы начнём искать замену.",
            "мобильное приложение устарело, пора его обновить",
            "Качество в последнее время немного просело. Последние две партии были хуже, чем раньше.",
        ],
        "competitor": [
            "Держите цены в разумных пределах. Если кто-то предложит то же самое заметно дешевле, придётся задуматься.",
            "Конкуренты быстро добавляют новые функции. Не отставайте.",
            "Каждый месяц получаю предложения от других поставщиков, и некоторые очень заманчивые. Пока остаюсь с вами.",
            "цена, остальное меня вполне устраивает",
        ],
        "relationship": [
            "Если уйдёт наш менеджер Ирина, не уверен, что мы останемся. Мы здесь во многом благодаря ей.",
            "Сохраняйте личный контакт. Мы остаёмся, потому что знаем людей, а не из-за договора.",
            "Да ничего особенного. Если начнём делать это своими силами, ваши услуги просто перестанут быть нужны.",
            "Партнёр уговаривает перейти к фирме его двоюродного брата. Дайте мне повод и дальше отказываться.",
        ],
        "circumstances": [
            "Уйду, только если перееду. Расширьте зону доставки!",
            "В следующем году планируем сократить бизнес. Тариф поменьше и подешевле помог бы нам остаться.",
            "да ничего, разве что совсем закроемся",
            "Сделайте возможность приостановить услугу вместо полного отказа — на те месяцы, когда она не нужна.",
        ],
    },
}

#: Staff's own words in win-back cases and follow-ups, written in English (the demo team's working language).

#: bucket -> offers that answer a real reason of that kind.
WINBACK_OFFERS: dict[str, list[str]] = {
    "indifference": [
        "A named contact who calls them every month, and a direct line to the support lead for the first quarter.",
        "An apology from the head of customer service in person, and the renewal discount they were promised.",
        "Their complaint reopened and settled within a week, plus a credit note for the last two invoices.",
    ],
    "dissatisfaction": [
        "Replacement of the faulty batch at our cost and a free quality check on their next three deliveries.",
        "A guaranteed delivery slot with a 10% refund on any late delivery for six months.",
        "Early access to the new version with the PDF export, and onboarding for their team at no charge.",
    ],
    "competitor": [
        "Match the competitor's price for twelve months, with installation and training included.",
        "A two-year fixed price, 15% below their old rate, with support included.",
        "The premium plan at the standard price for the first year.",
    ],
    "relationship": [
        "A single invoice for everything they order, and the account manager they knew back on the account.",
        "A short trial of the bundled service so their new manager can compare us side by side.",
    ],
    "circumstances": [
        "A paused account instead of a closed one, ready to restart with their old terms.",
        "Delivery to their new address through our partner carrier at the usual price.",
    ],
}

#: bucket -> plans: (channel, what to do) in the order they are done.
WINBACK_PLANS: dict[str, list[list[tuple[str, str]]]] = {
    "indifference": [
        [("call", "Call to apologise and hear what went wrong, without selling anything."),
         ("meeting", "Meet the owner with the head of customer service and agree on a contact plan."),
         ("offer", "Send the written offer with the renewal discount."),
         ("call", "Check that the first order went smoothly.")],
        [("letter", "Personal letter from the managing director acknowledging the unanswered complaints."),
         ("call", "Follow up the letter by phone and book a visit."),
         ("visit", "Visit their office with the new account manager."),
         ("offer", "Confirm the offer in writing.")],
    ],
    "dissatisfaction": [
        [("call", "Call to go through the defects they reported, one by one."),
         ("visit", "Visit with the quality engineer and bring samples from the new batch."),
         ("offer", "Send the offer: replacement at our cost and a quality guarantee."),
         ("call", "Ask how the first delivery after the return went.")],
        [("email", "Email the delivery report for the last quarter and what we changed since."),
         ("meeting", "Online meeting with logistics to agree on a guaranteed delivery slot."),
         ("offer", "Send the offer with the late-delivery refund."),
         ("event", "Invite them to the product day to see the new version.")],
    ],
    "competitor": [
        [("call", "Call to learn what the competitor offered and what matters most to them."),
         ("offer", "Send a price-matched offer with installation and training included."),
         ("meeting", "Meet to walk through the offer against the competitor's quote."),
         ("call", "Call before their trial period with the competitor ends.")],
        [("email", "Email a side-by-side comparison with the features they actually use."),
         ("event", "Invite them to the customer day in town."),
         ("offer", "Send the two-year fixed-price offer.")],
    ],
    "relationship": [
        [("call", "Call the new decision-maker to introduce ourselves."),
         ("meeting", "Meet the new manager together with their former account manager."),
         ("offer", "Offer the single invoice and a trial of the bundle.")],
    ],
    "circumstances": [
        [("call", "Call to check whether anything has changed since they left."),
         ("letter", "Send a letter with the pause option and how to restart.")],
    ],
}

#: A first step for a case whose real reason is not known yet.
ASK_WHY = ("call", "Call to ask why they stopped ordering, and offer the exit survey link if they prefer to write.")
#: The step a manager plans once a customer has agreed to return.
FIRST_ORDER = ("call", "Help them place the first order and make sure the agreed terms are on it.")

#: bucket -> why staff closed a case as not won back.
NOT_WON_BACK_NOTES: dict[str, list[str]] = {
    "indifference": [
        "They heard us out and appreciated the apology, but have settled in with the new supplier. "
        "Asked us to try again in a year.",
        "Three calls and a letter, no answer after the first conversation. Closing; the contact stays in the "
        "newsletter.",
    ],
    "dissatisfaction": [
        "The quality guarantee was not enough: they want a supplier with a local warehouse. Nothing more to offer "
        "for now.",
    ],
    "competitor": [
        "Signed a two-year contract with the competitor before our offer arrived. Reminder set for the renewal.",
        "Our best price was still 12% above the competitor's. Management decided not to go lower.",
    ],
    "relationship": [
        "The new manager stays with the supplier she has worked with for years. Polite, but a clear no.",
    ],
    "circumstances": [
        "They still have no need for the service after the move. Parted on good terms.",
    ],
}

#: Why staff let a case go (nothing left to win back, or not worth more effort).
LET_GO_NOTES: list[str] = [
    "The business closed for good in the spring; nothing to win back. Sent a thank-you note.",
    "They moved outside our delivery area and our partner carrier does not cover it yet.",
    "Small account, no answer to a call, an email and a letter. Not worth more effort this year.",
]

#: Follow-up outcome -> what the owner wrote when closing it.
FOLLOWUP_NOTES: dict[str, list[str]] = {
    "apologised": ["Called, listened and apologised for how we handled it. They accepted and said they would stay.",
                   "Apologised by phone and in writing; they appreciated that someone finally got back to them."],
    "fixed": ["Went through the problem with them and had it sorted the same week; confirmed in writing, and they "
              "thanked us.",
              "The cause is fixed and the team briefed. Called them back to say so; they were satisfied."],
    "offer_made": ["Offered a credit note on the next order and a named contact; they will think it over.",
                   "Offered a month free and a direct line to the team lead. They will let us know by Friday."],
    "not_reached": ["Tried twice by phone and once by email, no answer. Left a voicemail with a direct number.",
                    "No answer to two calls; sent an email with the apology and a direct number."],
}

"""Name material for synthetic citizens, caseworkers and providers."""

FIRST_NAMES_FEMALE = (
    "Anna", "Emma", "Ida", "Clara", "Freja", "Alma", "Sofie", "Ella", "Karla", "Laura", "Mathilde",
    "Agnes", "Olivia", "Josefine", "Lærke", "Maja", "Nora", "Asta", "Signe", "Caroline", "Mette",
    "Hanne", "Susanne", "Lene", "Marianne", "Camilla", "Louise", "Pia", "Tina", "Birgitte", "Rikke",
    "Helle", "Line", "Julie", "Cecilie", "Amalie", "Vigga", "Liva", "Esther", "Frida",
)
FIRST_NAMES_MALE = (
    "William", "Noah", "Oscar", "Lucas", "Carl", "Victor", "Malthe", "Alfred", "Emil", "Aksel",
    "Magnus", "Frederik", "Elias", "Valdemar", "Oliver", "Mikkel", "Jonas", "Mads", "Rasmus", "Søren",
    "Lars", "Jens", "Peter", "Michael", "Henrik", "Thomas", "Martin", "Anders", "Jesper", "Morten",
    "Kasper", "Nikolaj", "Sebastian", "Tobias", "Anton", "Johan", "Storm", "Bertram", "Villads", "Theo",
)
SURNAMES = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
    "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Olesen",
    "Frederiksen", "Laursen", "Henriksen", "Lund", "Schmidt", "Eriksen", "Holm", "Kristiansen",
    "Clausen", "Simonsen", "Svendsen", "Andreasen", "Iversen", "Jeppesen", "Mogensen", "Jacobsen",
    "Vestergaard", "Nissen", "Lauridsen", "Kjær", "Dam", "Bach", "Ravn", "Skov", "Krogh", "Bertelsen",
)
PLACE_WORDS = (
    "Egebakken", "Solhøj", "Lindely", "Kildevang", "Bøgely", "Skovbrynet", "Fjordglimt", "Havblik",
    "Engbo", "Lyngbakken", "Toftegården", "Rosenhaven", "Nørremarken", "Ådalen", "Birkehuset",
    "Granly", "Møllebakken", "Strandgården", "Vesterled", "Østerlund", "Bakkehuset", "Kastanjegården",
    "Hybenhuset", "Lærkereden", "Svanevig", "Tranehuset", "Pilegården", "Kløverhuset", "Ellekær",
    "Mosegården",
)

"""Made-up names for the demo's people, by origin; (female first names, male, family names)."""

from __future__ import annotations

NameBook = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]

GERMAN: NameBook = (
    ("Sabine", "Anja", "Claudia", "Petra", "Katrin", "Julia", "Melanie", "Nicole", "Birgit",
     "Stefanie", "Andrea", "Sandra", "Lea", "Miriam", "Ursula", "Hanna", "Nadine", "Ayşe"),
    ("Thomas", "Michael", "Andreas", "Stefan", "Markus", "Frank", "Jan", "Dirk", "Ralf", "Jörg",
     "Christian", "Tobias", "Sebastian", "Peter", "Heinz", "Mehmet"),
    ("Janssen", "Schmitz", "Hermanns", "Peters", "Hoffmann", "Coenen", "Heinen", "Jansen",
     "Müller", "Schmidt", "Becker", "Wolters", "Tillmanns", "Kempkens", "van der Beek",
     "Lenzen", "Dahmen", "Rütten", "Klein", "Wefers", "Dohmen", "Schroers", "Öztürk"),
)  # fmt: skip

BY_ORIGIN: dict[str, NameBook] = {
    "syrian": (
        ("Amira", "Rania", "Lina", "Hiba", "Nour", "Dima", "Rasha", "Layla", "Salma", "Yara"),
        ("Yusuf", "Omar", "Khaled", "Ahmad", "Samer", "Bassel", "Tarek", "Majd", "Rami", "Fadi"),
        ("Haddad", "Al-Hamwi", "Khalil", "Darwish", "Najjar", "Hamdan", "Sabbagh", "Aziz",
         "Masri", "Halabi"),
    ),
    "iraqi": (
        ("Zainab", "Shaima", "Huda", "Marwa", "Sura"),
        ("Ali", "Hussein", "Mustafa", "Haidar", "Karrar"),
        ("Al-Jubouri", "Kadhim", "Al-Rubaie", "Saleh", "Jasim"),
    ),
    "maghrebi": (
        ("Fatima", "Samira", "Khadija", "Naima"),
        ("Karim", "Mohamed", "Rachid", "Youssef"),
        ("El Amrani", "Benali", "Bouzid", "Tahiri"),
    ),
    "egyptian": (("Mona", "Heba"), ("Mahmoud", "Amr"), ("Abdelrahman", "Fathy")),
    "sudanese": (("Amna", "Sara"), ("Abdalla", "Osman"), ("Elnour", "Adam")),
    "ukrainian": (
        ("Olena", "Iryna", "Natalia", "Oksana", "Tetiana", "Yuliia", "Svitlana", "Kateryna",
         "Halyna", "Viktoriia", "Anastasiia", "Mariia"),
        ("Oleksandr", "Andrii", "Serhii", "Dmytro", "Volodymyr"),
        ("Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk",
         "Boiko", "Oliinyk", "Lysenko", "Moroz", "Savchenko", "Rudenko"),
    ),
    "russian": (
        ("Elena", "Olga", "Irina"),
        ("Sergej", "Alexej"),
        ("Smirnova", "Wolkow", "Iwanowa", "Petrow"),
    ),
    "afghan": (
        ("Mariam", "Fereshta", "Zarghuna", "Shabnam", "Nilofar", "Parwana"),
        ("Ahmad", "Mohammad", "Jawad", "Farid", "Naweed", "Habib", "Wahid"),
        ("Sultani", "Rahimi", "Hashimi", "Ahmadzai", "Karimi", "Noori", "Popal", "Safi"),
    ),
    "iranian": (
        ("Maryam", "Shirin", "Parisa", "Neda", "Sahar"),
        ("Reza", "Babak", "Hamid", "Arash"),
        ("Moradi", "Tehrani", "Jafari", "Rostami", "Shirazi"),
    ),
    "turkish": (
        ("Elif", "Zeynep", "Hatice", "Emine", "Derya"),
        ("Murat", "Hasan", "Emre", "Kemal"),
        ("Yılmaz", "Demir", "Kaya", "Aydın", "Çelik", "Arslan"),
    ),
    "kurdish": (
        ("Berivan", "Rojda", "Nergiz", "Hêvî", "Jiyan", "Nazdar"),
        ("Dilshad", "Azad", "Serhat", "Kawa", "Rêber"),
        ("Xelil", "Qasim", "Murad", "Hesen", "Şemo", "Barzani"),
    ),
    "eritrean": (
        ("Senait", "Helen", "Rahel", "Mebrat", "Saba"),
        ("Yonas", "Tesfay", "Dawit", "Mussie"),
        ("Tesfamariam", "Ghebremedhin", "Habte", "Berhane", "Kidane", "Woldu"),
    ),
    "ethiopian": (("Tigist", "Meron"), ("Abebe", "Getachew"), ("Tadesse", "Bekele")),
    "somali": (("Hodan", "Amina"), ("Abdirahman", "Mahad"), ("Warsame", "Farah")),
    "albanian": (("Arta", "Drita"), ("Arben", "Besnik"), ("Krasniqi", "Berisha")),
    "romanian": (("Ioana", "Elena"), ("Mihai", "Andrei"), ("Popescu", "Ionescu")),
    "bulgarian": (("Desislava", "Mariya"), ("Georgi", "Ivan"), ("Dimitrova", "Petrov")),
    "polish": (("Agnieszka", "Katarzyna"), ("Piotr", "Tomasz"), ("Kowalska", "Nowak")),
    "bks": (("Amra", "Jelena", "Ivana"), ("Edin", "Goran"), ("Hodžić", "Jovanović", "Babić")),
    "west_african": (
        ("Aminata", "Fatoumata", "Chioma"),
        ("Mamadou", "Ibrahima", "Emeka"),
        ("Diallo", "Bah", "Okafor", "Camara"),
    ),
    "caucasus": (
        ("Nino", "Anahit", "Zarema"),
        ("Giorgi", "Aram", "Ruslan"),
        ("Beridze", "Hakobyan", "Dudaeva", "Kadyrow"),
    ),
    "asian": (
        ("Thi Lan", "Ayesha", "Lucía"),
        ("Van Minh", "Imran", "Carlos"),
        ("Nguyen", "Qureshi", "García", "Tran"),
    ),
}  # fmt: skip

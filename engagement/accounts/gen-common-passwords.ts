/**
 * Regenerates accounts/common-passwords.txt (run: `npx tsx engagement/accounts/gen-common-passwords.ts`).
 * The seeds are the entries that top every public breach-derived list (RockYou, SecLists' top
 * lists, NCSC's 100k); the variants are the suffix and case patterns those lists are full of.
 */
import { writeFileSync } from 'node:fs'

const SEEDS = `123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123
football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael 654321
superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh hunter
buster soccer harley batman andrew tigger sunshine iloveyou 2000 charlie robert thomas hockey ranger daniel
starwars klaster 112233 george computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom
777777 pass maggie 159753 aaaaaa ginger princess joshua cheese amanda summer love ashley nicole chelsea
biteme matthew access yankees 987654321 dallas austin thunder taylor matrix mobilemail mom monitor
monitoring montana moon moscow william corvette hello martin heather secret merlin diamond 1234qwer gfhjkm
hammer silver 222222 88888888 anthony justin test bailey q1w2e3r4t5 patrick internet scooter orange 11111
golfer cookie richard samantha bigdog guitar jackson whatever mickey chicken sparky snoopy maverick phoenix
camaro peanut morgan welcome falcon cowboy ferrari samsung andrea smokey steelers joseph mercedes dakota
arsenal eagles melissa boomer booboo spider nascar monster tigers yellow xxxxxx 123123123 gateway marina
diablo bulldog qwer1234 compaq purple hardcore banana junior hannah 123654 porsche lakers iceman money cowboys
987654 london tennis 999999 ncc1701 coffee scooby 0000 miller boston q1w2e3r4 brandon yamaha chester mother
forever johnny edward 333333 oliver redsox player nikita knight fender barney midnight please brandy chicago
badboy slayer rangers charles angel flower bigdaddy rabbit wizard bigdick jasper enter rachel chris
qwaszx zaq12wsx asdf1234 password1 p@ssw0rd passw0rd admin administrator root toor changeme default guest
welcome1 letmein1 abc12345 iloveyou1 princess1 monkey1 trustno1 sunshine1 football1 baseball1 superman1
qwerty1 qwerty12 qwerty123 1q2w3e4r 1q2w3e4r5t 1q2w3e 1qaz2wsx3edc zaq1zaq1 zaq1xsw2 asdfghjkl asdfghjk
zxcvbnm1 qazwsxedc 1qazxsw2 q1w2e3 azerty azertyuiop 123abc abcdef abcdefg abcdefgh abcd1234 aa123456
a123456 a12345678 123456a 123456789a password123 password12 passwort motdepasse contraseña senha parola
hallo12345 schatz liebe qwertz qwertzuiop 1qay2wsx ichliebedich hallo123 killer123 dragon123 master123
shadow123 michael1 jessica1 charlie1 jordan23 michael23 lebron23 kobe24 blink182 linkinpark metallica
nirvana eminem slipknot pokemon naruto sasuke goku pikachu minecraft fortnite roblox starcraft warcraft
counterstrike zelda mario matrix1 babygirl babygirl1 lovely loveme lovers loveyou iloveu iloveyou2 friends
friend family daddy mommy mylove sweety sweetie angel1 angels butterfly beautiful flower1 chocolate
cookie1 pumpkin kitten kitty puppy tigger1 snoopy1 bubbles summer1 winter spring autumn december november
october september august july june april march february january monday tuesday friday sunday weekend
secret1 secret123 hidden private letmein123 welcome123 welcome2024 hello123 hello1 helloworld test123
test1234 testing testtest tester guest123 user user123 login login123 admin123 admin1 administrator1
root123 server system sysadmin webmaster support office company business manager student school teacher
college university library computer1 internet1 google facebook youtube twitter instagram linkedin yahoo
hotmail gmail outlook apple iphone samsung1 android windows microsoft linux ubuntu oracle mysql postgres
database master1 jordan1 hunter2 hunter1 ranger1 soccer1 hockey1 tennis1 golf1234 football12 baseball12
yankees1 redsox1 cowboys1 steelers1 lakers1 chelsea1 arsenal1 liverpool manchester barcelona realmadrid
juventus ronaldo messi neymar beckham jordan12 superstar rockstar popstar star123 starwars1 skywalker
darthvader vader jedi yoda batman1 superman12 spiderman ironman captain avengers marvel hulk thor wolverine
godzilla dragons dragonball dragon1 phoenix1 unicorn rainbow sunflower diamond1 crystal silver1 golden gold
platinum money1 money123 cash dollar million billion rich lucky lucky7 lucky13 777 7777 77777 11111111
12121212 12344321 1212 123 1234512345 12341234 123412345 11223344 10203040 147258369 147258 258456 159357
741852963 963852741 0987654321 987654321 1q1q1q1q 1a2b3c4d 1a2b3c 0123456789 01234567 00000000 99999999
66666666 55555555 44444444 33333333 22222222 aaaaaaaa qqqqqqqq zzzzzzzz xxxxxxxx asdasd asdasdasd
qweqwe qweasd qweasdzxc qwe123 qwe123qwe asd123 zxc123 zxcasdqwe 1qw23e qwertyu qwertyui zxcvbnm123
asdfg asdfghj poiuytrewq mnbvcxz lkjhgfdsa ytrewq trewq chocolate1 cheese1 pizza pizza123 burger banana1
apple123 orange1 cherry peaches strawberry blueberry coconut mango pepper1 ginger1 cinnamon vanilla
sugar honey honey123 candy caramel muffin cupcake shorty sexy sexy123 hottie hotstuff killer1 assassin
sniper warrior soldier army navy marine airforce police security guardian ninja samurai shogun viking
spartan gladiator legend legendary champion winner victory freedom1 liberty america usa123 canada
england france germany italy spain mexico brazil russia china japan india australia london1 paris
newyork chicago1 boston1 dallas1 houston phoenix2 miami seattle denver atlanta detroit toronto vancouver
berlin munich hamburg madrid rome amsterdam dublin sydney melbourne tokyo
jesus jesus1 jesuschrist christ god god123 godisgood blessed faith hope grace heaven angel123 church
bible trinity praise prayer holy christian amen mother1 father brother sister family1 forever1 always
together princess12 prince queen king kingdom royal lady gentleman boss bossman chief captain1 major
general admiral pilot doctor nurse lawyer engineer scientist artist music music123 guitar1 piano drums
singer dancer rock rockandroll metal punk jazz blues hiphop rapper eminem1 tupac biggie drake beyonce
rihanna shakira madonna britney justin1 bieber onedirection harrypotter hermione hogwarts gandalf frodo
sauron mordor hobbit narnia matrix123 neo morpheus trinity1 startrek spock kirk enterprise voyager
whatever1 nothing something anything everything somebody nobody none null undefined qwerty1234
password1234 password2 password3 passw0rd1 p@ssword p@ssw0rd1 pa55word pa55w0rd passpass mypassword
mypass yourpassword newpassword oldpassword changeme1 change123 temp temp123 temppass temporary
default1 letmein! welcome! password! qwerty! iloveyou! abc123! 123456! trustno1! monkey! dragon!`

const BASES_FOR_VARIANTS = SEEDS.split(/\s+/).filter((w) => /^[a-z]+$/.test(w) && w.length >= 4 && w.length <= 10)
const SUFFIXES = ['1', '12', '123', '1234', '12345', '!', '1!', '123!', '69', '99']
const YEARS = Array.from({ length: 2026 - 1960 + 1 }, (_, i) => String(1960 + i))

const out = new Set<string>()
for (const w of SEEDS.split(/\s+/)) if (w !== '') out.add(w.toLowerCase())
for (const [rank, base] of BASES_FOR_VARIANTS.entries()) {
  for (const s of SUFFIXES) out.add(base + s)
  // Year suffixes only for the most common bases, to keep the list to a few thousand lines.
  if (rank < 60) for (const y of YEARS.slice(-30)) out.add(base + y)
  out.add(base + base)
  out.add(base.replace(/a/g, '@').replace(/o/g, '0').replace(/e/g, '3').replace(/i/g, '1'))
}
// Digit runs and repeated digits of every plausible length.
for (let len = 4; len <= 12; len++) {
  for (let d = 0; d <= 9; d++) out.add(String(d).repeat(len))
  out.add(Array.from({ length: len }, (_, i) => String((i + 1) % 10)).join(''))
  out.add(Array.from({ length: len }, (_, i) => String((len - i) % 10)).join(''))
}
for (const y of YEARS) for (const p of ['', 'password', 'qwerty', 'summer', 'winter', 'spring', 'autumn', 'welcome']) out.add(p + y)

const header = '# Common passwords, generated by gen-common-passwords.ts; lower-case, one per line.\n'
writeFileSync(new URL('./common-passwords.txt', import.meta.url), header + [...out].sort().join('\n') + '\n')
console.log(JSON.stringify({ entries: out.size }))

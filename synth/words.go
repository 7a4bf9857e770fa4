package synth

// Pools the generator draws names, domains, subjects and sentences from.

var firstNames = []string{
	"James", "Olivia", "Noah", "Emma", "Liam", "Ava", "Ethan", "Sophia", "Lucas", "Mia",
	"Mateo", "Isabella", "Aarav", "Ananya", "Wei", "Mei", "Hiroshi", "Yuki", "Chinedu", "Amara",
	"Kwame", "Fatima", "Ahmed", "Layla", "Søren", "Ingrid", "Björn", "Astrid", "François", "Amélie",
	"José", "Lucía", "Jürgen", "Müge", "Zoë", "Łukasz", "Agnieszka", "Dmitri", "Olga", "Giulia",
	"Marco", "Nikos", "Eleni", "Tariq", "Priyanka", "Rahul", "Thandiwe", "Sipho", "Camila", "Diego",
	"Hannah", "Ben", "Chloe", "Sam", "Grace", "Daniel", "Ruth", "Isaac", "Nora", "Felix",
	"Ines", "Pedro", "Anneliese", "Henrik", "Ji-woo", "Min-jun", "Kofi", "Efua", "Aoife", "Ciarán",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Lopez", "Wilson",
	"Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Thompson", "White", "Harris", "Clark",
	"Nguyen", "Kim", "Park", "Wang", "Li", "Zhang", "Tanaka", "Sato", "Suzuki", "Okafor",
	"Mensah", "Adeyemi", "Khan", "Patel", "Sharma", "Iyer", "Haddad", "Nasser", "Jensen", "Lindqvist",
	"Müller", "Schröder", "Weiß", "Dubois", "Lefèvre", "Fernández", "Gómez", "Rossi", "Bianchi", "Kowalski",
	"Nowak", "Ivanova", "Petrov", "Papadopoulos", "O'Brien", "MacLeod", "Ó Súilleabháin", "van der Berg", "de Vries", "Andersson",
}

var personalDomains = []string{
	"gmail.com", "gmail.com", "gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.com", "icloud.com",
	"fastmail.com", "proton.me", "posteo.de", "gmx.de", "web.de", "orange.fr", "me.com",
}

var companyWords = []string{
	"north", "blue", "bright", "iron", "cedar", "harbor", "summit", "quantum", "pixel", "atlas",
	"river", "stone", "silver", "maple", "vector", "lumen", "orbit", "delta", "nimbus", "granite",
}

var companySuffixes = []string{"labs", "works", "systems", "studio", "group", "data", "health", "logic", "bank", "media"}

var companyTLDs = []string{".com", ".com", ".io", ".co", ".de", ".co.uk", ".fr", ".nl"}

var workTopics = []string{
	"the Q3 roadmap review", "Thursday's deploy checklist", "the flaky integration tests", "the onboarding doc",
	"the offsite budget", "the Globex escalation", "migrating the billing service", "the code review backlog",
	"on-call handover", "API rate limits", "the hiring loop for the SRE role", "the incident postmortem",
	"the storage cost report", "next sprint's planning", "the security audit findings", "the design doc for search",
	"the customer demo", "the data retention policy", "the new staging cluster", "the quarterly OKRs",
}

var mentorTopics = []string{
	"our monthly catch-up", "the conference talk proposal", "negotiating the new contract", "going independent",
	"the book you recommended", "the staff engineer question", "managing up", "the reading list",
	"writing more in public", "the job offer from Initech", "pricing my consulting work", "the leadership course",
}

var friendTopics = []string{
	"dinner next week?", "photos from the hike", "that podcast I mentioned", "moving apartments",
	"holiday plans", "the concert in May", "the recipe you asked for", "the wedding!",
	"board games on Saturday", "your new job", "the cabin weekend", "a book you'd love",
}

var designTopics = []string{
	"Logo revisions", "Website mockups v3", "Brand guidelines", "Invoice for March", "Icon set",
	"Landing page copy", "Print files for the brochure", "Colour palette options", "Typography choices",
}

var academicTopics = []string{
	"the paper draft", "guest lecture in the autumn", "reviewer comments", "the workshop call for papers",
	"your student's thesis question", "the dataset we talked about", "co-authoring the survey",
}

var listTopics = []string{
	"Generics and method sets", "Proposal: iterators in the standard library", "Data race in sync.Map usage?",
	"Best way to stream large JSON", "context cancellation and goroutine leaks", "go vet false positive",
	"net/http server timeouts", "Embedding files with go:embed", "Cross compiling with cgo", "Slow build times",
	"Memory usage keeps growing", "Testing with a fake clock", "Error wrapping conventions", "Profiling with pprof",
	"Module proxy returns 410", "Struct tags and reflection", "Channels vs mutexes", "SQL driver recommendations",
	"Unexpected escape to heap", "Windows path handling", "TLS handshake errors", "Deadlock in select",
}

// openers start a message's body, indexed by whether it answers another.
var openers = []string{
	"Quick question about %s.", "I've been thinking about %s.", "Here's where I landed on %s.",
	"Do you have a few minutes this week for %s?", "Following up on %s.", "A thought on %s.",
}

var answers = []string{
	"Thanks, that makes sense.", "Sounds good, let's do that.", "Good point, I hadn't considered that.",
	"Agreed. I'll send something over by Friday.", "Makes sense to me.", "Thanks for the quick reply!",
	"Let me check and get back to you.", "Perfect, thank you.", "Yes, Tuesday works for me.",
	"Happy to help with that.", "That's great news.", "Ha, fair enough.",
}

var middles = []string{
	"Let me know what you think.", "No rush on this.", "I've attached nothing, which is very on brand.",
	"Happy to talk it through on a call.", "I can take the first pass.", "Curious what you'd do here.",
	"It should only take a few minutes.", "It's been on my mind for a while.",
}

var signoffs = []string{"Best,", "Thanks,", "Cheers,", "Talk soon,", "All the best,", "Best regards,", "Warmly,"}

var announceTopics = []string{
	"Q%d all-hands: results and what's next", "Welcome our new VP of Engineering", "Office move in Q%d",
	"Company update and Q%d priorities", "Benefits enrolment opens next week",
}

var noreplySubjects = []string{
	"[GitHub] A new SSH authentication public key was added to your account",
	"[rekindle/rekindle] Run failed: CI - main (%s)",
	"[GitHub] Your personal access token is about to expire",
	"[GitHub] Sudo email verification code",
	"[rekindle/rekindle] Run succeeded: Release - v0.%d.0",
	"[GitHub] Please verify your device",
}

// service is an automated sender of notifications.
type service struct {
	name, addr, domain string
	subjects           []string
	autoSubmitted      bool
	bulk               bool
	unsubscribe        bool
	to                 string // which of the user's addresses it writes to: "", "plus"
}

var services = []service{
	{"Slack", "notification@slack.com", "slack.com", []string{"You have %d new messages in #general", "[Slack] New mention in #eng-platform"}, true, false, true, ""},
	{"Amazon.com", "shipment-tracking@amazon.com", "amazon.com", []string{"Your Amazon.com order #%d has shipped", "Delivered: your package"}, false, false, false, "plus"},
	{"LinkedIn", "messages-noreply@linkedin.com", "linkedin.com", []string{"You appeared in %d searches this week", "You have a new connection request"}, true, true, true, ""},
	{"Google Calendar", "calendar-notification@google.com", "google.com", []string{"Reminder: Dentist @ %d:00", "Updated invitation: Standup"}, true, false, false, ""},
	{"Acme Bank", "no-reply@alerts.acmebank.com", "alerts.acmebank.com", []string{"Your statement is ready", "A payment of $%d.00 was made"}, true, false, false, ""},
	{"Jira", "jira@acme-corp.atlassian.net", "acme-corp.atlassian.net", []string{"[JIRA] (PLAT-%d) Flaky test in checkout", "[JIRA] Updates for PLAT-%d"}, true, true, false, ""},
	{"PagerDuty", "no-reply@pagerduty.com", "pagerduty.com", []string{"[Triggered] #%d High error rate on api", "[Resolved] #%d High error rate on api"}, true, false, false, ""},
	{"Dropbox", "no-reply@dropbox.com", "dropbox.com", []string{"Your Dropbox is %d%% full", "Someone shared a folder with you"}, true, false, true, ""},
}

// newsletter is a bulk publication.
type newsletter struct {
	name, addr, domain, subject string
}

var newsletters = []newsletter{
	{"Weekly Dispatch", "news@dispatch-weekly.com", "dispatch-weekly.com", "Weekly Dispatch #%d: what mattered this week"},
	{"Golang Weekly", "peter@golangweekly.com", "golangweekly.com", "Golang Weekly Issue %d"},
	{"The Hustle", "news@thehustle.co", "thehustle.co", "Daily brief #%d"},
	{"Figma", "hello@figma.com", "figma.com", "What's new in Figma, issue %d"},
	{"REI Co-op", "rei@e.rei.com", "e.rei.com", "Up to %d%% off outdoor gear"},
	{"Substack Reads", "reads@substack.com", "substack.com", "Your weekly reads #%d"},
}

// mailingList is a list the user reads, in folder Lists/<folder>.
type mailingList struct {
	folder, addr, id, tag string
	weight                int // share of list traffic
	members               int
	groups                bool // Google Groups style headers
}

var mailingLists = []mailingList{
	{"golang-nuts", "golang-nuts@googlegroups.com", "golang-nuts.googlegroups.com", "", 30, 400, true},
	{"pgsql-general", "pgsql-general@lists.postgresql.org", "pgsql-general.lists.postgresql.org", "", 15, 250, false},
	{"linux-kernel", "linux-kernel@vger.kernel.org", "linux-kernel.vger.kernel.org", "", 120, 3000, false},
	{"debian-user", "debian-user@lists.debian.org", "debian-user.lists.debian.org", "", 20, 600, false},
	{"berlin-gophers", "berlin-gophers@googlegroups.com", "berlin-gophers.googlegroups.com", "[berlin-gophers] ", 3, 60, true},
	{"nix-devel", "nix-devel@lists.nixos.org", "nix-devel.lists.nixos.org", "[Nix-dev] ", 10, 200, false},
	{"python-dev", "python-dev@python.org", "python-dev.python.org", "[Python-Dev] ", 12, 300, false},
}

var spamSubjects = []string{
	"You have won a $500 gift card", "URGENT: verify your account now", "Re: invoice overdue",
	"Cheap meds online", "Your package could not be delivered", "Investment opportunity (confidential)",
}
